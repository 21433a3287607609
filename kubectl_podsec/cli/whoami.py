"""`kubectl podsec whoami`: who am I here, and what may I do about pod security?"""

from __future__ import annotations


import click

from ..admission.config import DEFAULT_CONFIG
from ..render.whoami import whoami_text
from ..render.serialize import document, dump
from .options import cluster_options, common_options, connect, output_option, run_console


@click.command()
@click.option("-n", "--namespace", metavar="NS", help="The namespace (default: the context's).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace, one row set each.")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration, for the cluster's default levels.")
@cluster_options
@output_option(("table", "json", "yaml"))
@common_options
def whoami(namespace: str | None, all_namespaces: bool, admission_config: str | None, output: str,
           **connection: str) -> None:
    """Who the cluster takes you for (SelfSubjectReview), what you may do that
    matters for pod security (one SelfSubjectAccessReview each: no RBAC read
    access needed), which grants are risky and why, and the namespace's Pod
    Security levels. --as, --as-group and --sa show another identity."""
    from ..whoami.access import Whoami

    if namespace and all_namespaces:
        raise click.UsageError("-A and -n cannot be used together")
    config = DEFAULT_CONFIG
    if admission_config:
        from ..manifests import read_admission_config  # the input layer, only when asked

        config = read_admission_config(admission_config)
    cluster = connect(connection)
    doc = Whoami(cluster, config).collect(None if all_namespaces else namespace or cluster.namespace)
    console = run_console()
    if output in ("json", "yaml"):
        console.out(dump(document("WhoamiReport", doc), output))
    else:
        console.out(whoami_text(doc, color=console.color, every_namespace=all_namespaces))
