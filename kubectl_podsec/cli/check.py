"""`kubectl podsec check`: will these pods be admitted, and under which policy?

Offline with `-f` alone. Against the cluster without `-f` (its objects), or
with `-f` plus any connection flag or `--server` (the files, under the live
namespaces' labels and the server's version).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..admission.config import DEFAULT_CONFIG
from ..check.run import CheckRequest, run
from ..errors import UsageError
from ..manifests import expand, read_admission_config
from ..pss import Level, Version
from ..render import FORMATS, writer_for
from ..render.serialize import dump_yaml
from .options import (
    cluster_flags_given, cluster_options_pods_sa, common_options, connect, output_option, parse_labels,
    run_console,
)
from .types import level_version, LEVEL, POLICY_VERSION, SERVER_VERSION

if TYPE_CHECKING:
    from ..kube.resources import Resource


def _namespaces(values: tuple[str, ...], all_namespaces: bool, files: tuple[str, ...],
                scan_flags: bool) -> tuple[str, ...]:
    names = tuple(n for v in values for n in (p.strip() for p in v.split(",")) if n)
    if all_namespaces and names:
        raise UsageError("-A and -n cannot be used together")
    if files and (all_namespaces or scan_flags):
        raise UsageError("-A, -l and --kind choose objects in the cluster; they do not go with -f")
    if files and len(names) > 1:
        raise UsageError("with -f, -n takes one namespace: the one for objects that name none")
    return names


def _resources(kinds: tuple[str, ...]) -> tuple[Resource, ...]:
    from ..kube.resources import parse_kinds  # the cluster's side: only runs that read it

    return parse_kinds(kinds)


@click.command()
@click.option("-f", "--filename", "files", type=click.Path(), multiple=True,
              metavar="FILE|DIR|-",
              help="Manifests to check (YAML or JSON, multi-document, Lists); repeatable. "
                   "Without -f, the objects in the cluster are checked.")
@click.option("-R", "--recursive", is_flag=True, help="Recurse into directories given with -f.")
@click.option("-n", "--namespace", "namespaces", multiple=True, metavar="NS",
              help="Namespaces to check in the cluster (repeatable, or a,b); with -f, the one for "
                   "objects that name none. Default: the context's namespace (offline: default).")
@click.option("-A", "--all-namespaces", is_flag=True, help="Check the objects of every namespace.")
@click.option("-l", "--selector", metavar="SELECTOR", help="Only objects with these labels (cluster).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only these kinds from the cluster (repeatable, or a,b; e.g. pods, deploy).")
@click.option("--server", "server_dry_run", is_flag=True,
              help="Also ask the API server: may the identity create each object, and would it "
                   "(and the pods of a workload) be admitted? Server-side dry runs, nothing stored.")
@click.option("--level", type=LEVEL,
              help="Check against this Pod Security Standard only, not the namespace policy.")
@click.option("--version", "policy_version", type=POLICY_VERSION, metavar="V", help="Policy version for --level (latest or v1.N).")
@click.option("--policy", "policy_path", metavar="FILE|DIR",
              help="Offline: judge as this policy from `policy export` does (its level, version "
                   "and skipped checks), instead of the namespace policy.")
@click.option("--namespace-labels", multiple=True, metavar="K=V,...",
              help="Labels assumed for namespaces not defined in the input (nor in the cluster); "
                   "repeatable: all are merged (one key with two values is an error).")
@click.option("--admission-config", type=click.Path(dir_okay=False), metavar="FILE",
              help="The API server's AdmissionConfiguration: cluster defaults and exemptions.")
@click.option("--server-version", type=SERVER_VERSION, metavar="v1.N",
              help="What `latest` means (default: the cluster's version, offline the newest known), "
                   "and, offline, which server's behaviour to expect (warn follows enforce from "
                   "v1.26; seccomp annotations count as fields on v1.19 to v1.26).")
@click.option("--probe/--no-probe", default=True, show_default=True,
              help="Against a cluster, learn what labels and --admission-config leave unknown "
                   "(enforce, warn) from the server itself, where you may create pods: "
                   "dry-run Pods (nothing stored), one set per namespace.")
@click.option("--psp-file", "psp_files", type=click.Path(dir_okay=False), multiple=True,
              metavar="FILE",
              help="PodSecurityPolicy objects (repeatable): also say which policy would admit each "
                   "pod, what it would change, or that none would (a finding, exit 1). A cluster "
                   "that still serves PodSecurityPolicies (up to v1.24) has its own used without it.")
@click.option("--psp-allow", metavar="NAME,...",
              help="Offline: the policies whoever creates the pods may `use` (for a workload, its "
                   "controller). Default: all of them.")
@click.option("--psp-sa-allow", metavar="NAME,...",
              help="Offline: the policies the pods' service account may `use`. Default: none.")
@cluster_options_pods_sa
@output_option(FORMATS)
@common_options
def check(files: tuple[str, ...], recursive: bool, namespaces: tuple[str, ...], all_namespaces: bool,
          selector: str | None, kinds: tuple[str, ...], server_dry_run: bool, level: Level | None,
          policy_version: Version | None, namespace_labels: tuple[str, ...], admission_config: str | None,
          server_version: int | None, psp_files: tuple[str, ...], psp_allow: str | None,
          psp_sa_allow: str | None, probe: bool, output: str, policy_path: str | None,
          **connection: Any) -> None:
    """Will these pods be admitted, and under which policy?

    Every object that carries a pod spec is checked exactly as Pod Security
    Admission would: Pods against enforce, audit and warn; workload templates
    against audit and warn, with enforce shown for the pods they will create.

    -f alone is offline. Without -f, the cluster's objects are checked; with
    -f and any connection flag (--kubeconfig, --context, --as, ...) or
    --server, the files are checked under the live namespaces' labels and
    the server's version.

    With --psp-file, or against a cluster that serves PodSecurityPolicies,
    each result also says which PodSecurityPolicy would admit its pod and
    how it would mutate it; a pod no policy admits is denied (exit 1). Who
    may use which policy: offline, see --psp-allow and --psp-sa-allow;
    against a cluster, its RBAC says.

    A mode whose policy cannot be known (labels that cannot be read, or
    cluster defaults not given) is `unknown`, never allowed; an object is
    unknown when any of its modes is and nothing known denies it (exit 4).

    Exit codes: 0 nothing would be denied, 1 something would be denied,
    2 invalid input or usage, 3 cluster error, 4 partial result (also an
    unknown verdict).
    """
    console = run_console()
    online = not files or server_dry_run or cluster_flags_given(connection)
    lv = level_version(level, policy_version)
    evaluator = None
    if policy_path is not None:  # an exported ValidatingAdmissionPolicy
        if lv is not None or online:
            raise UsageError("--policy is for offline checks of -f files, without --level")
        from ..check.exported import load_policy

        exported = load_policy(policy_path)
        lv, evaluator = exported.level_version, exported.evaluator()
    request = CheckRequest(
        inputs=tuple(expand(list(files), recursive, note=lambda text: console.err(f"note: {text}"))),
        namespaces=_namespaces(namespaces, all_namespaces, files, bool(selector or kinds)),
        all_namespaces=all_namespaces, selector=selector, resources=_resources(kinds) if online else (),
        level=lv, evaluator=evaluator, assumed_labels=parse_labels(namespace_labels),
        admission_config=read_admission_config(admission_config) if admission_config else DEFAULT_CONFIG,
        server_minor=server_version, server_dry_run=server_dry_run, psp_files=psp_files,
        psp_allow=psp_allow, psp_sa_allow=psp_sa_allow, probe=probe,
        connect=(lambda: connect(connection)) if online else None)
    writer = writer_for(output)(wide=output == "wide", color=console.color, yaml_dump=dump_yaml)
    raise click.exceptions.Exit(run(request, console, writer))
