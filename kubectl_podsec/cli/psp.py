"""`kubectl podsec psp`: legacy PodSecurityPolicy, and the migration off it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from ..errors import ExitCode, InputError, UsageError
from ..manifests import Document, documents, expand, open_input
from ..workloads import carries_pod_spec, pod_template
from .console import Console
from .options import common_options, output_option
from .serialize import dump

# The PSP engine and its renderers are imported by the commands that use them,
# so other commands start without loading them.

PSP_KINDS = {("PodSecurityPolicy", "policy/v1beta1"), ("PodSecurityPolicy", "extensions/v1beta1")}


def _objects(paths: tuple[str, ...], recursive: bool, console: Console,
             errors: list[str]) -> Iterator[Document]:
    for item in expand(list(paths), recursive):
        with open_input(item, None) as f:
            for doc in documents(item.display, f):
                if doc.error is not None:
                    errors.append(str(doc.error))
                    console.err(f"error: {doc.error}")
                elif doc.obj is not None:
                    yield doc


def _policies(paths: tuple[str, ...], console: Console, errors: list[str]) -> list[dict[str, Any]]:
    from ..psp import PspInputError, parse_policy

    found = []
    for doc in _objects(paths, False, console, errors):
        if (doc.obj.get("kind"), doc.obj.get("apiVersion")) not in PSP_KINDS:
            console.err(f"note: {doc.source.describe()}: not a PodSecurityPolicy; ignored")
            continue
        try:
            parse_policy(doc.obj)
        except PspInputError as err:
            raise InputError(doc.source.describe(), str(err)) from None
        found.append(doc.obj)
    if not found:
        raise UsageError("no PodSecurityPolicy objects in --psp-file")
    return found


def _pod_for(obj: dict[str, Any], namespace: str) -> dict[str, Any] | None:
    """The pod admission would see: the Pod itself, or one built from a template."""
    if not carries_pod_spec(str(obj.get("kind")), str(obj.get("apiVersion"))):
        return None
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or namespace
    if obj.get("kind") == "Pod":
        return {**obj, "metadata": {**meta, "namespace": ns}}
    template = pod_template(obj)
    if template is None:
        return None
    pod_meta = {**template.metadata, "namespace": ns, "name": f"{meta.get('name', 'pod')}-xxxxx"}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": dict(template.spec)}


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _emit(console: Console, output: str, docs: list[dict[str, Any]], text: str, kind: str) -> None:
    if output in ("json", "yaml"):
        console.out(dump({"apiVersion": "podsec.kubectl.io/v1alpha1", "kind": kind, "items": docs},
                         output))
    else:
        console.out(text)


@click.group()
def psp() -> None:
    """Legacy PodSecurityPolicy: which policy a pod gets, and moving off PSP."""


@psp.command()
@click.option("-f", "--filename", "files", multiple=True, required=True, metavar="FILE|DIR",
              help="Pods (or workloads, whose pod template is used) to admit.")
@click.option("--psp-file", "psp_files", multiple=True, required=True, metavar="FILE",
              help="The PodSecurityPolicy objects of the cluster.")
@click.option("--allow", metavar="NAME,...",
              help="Policies the requesting user may `use` (default: all). For workloads the "
                   "requester is the controller that creates the pods.")
@click.option("--sa-allow", metavar="NAME,...", help="Policies the pod's service account may `use`.")
@click.option("-n", "--namespace", default="default", show_default=True)
@click.option("--update", is_flag=True, help="Admit as an UPDATE of an existing pod (no mutation).")
@output_option(("table", "json", "yaml"))
@common_options
def which(files: tuple[str, ...], psp_files: tuple[str, ...], allow: str | None,
          sa_allow: str | None, namespace: str, update: bool, output: str, no_color: bool,
          debug: bool) -> None:
    """Which PodSecurityPolicy would admit these pods, how it would mutate them,
    and why every other policy was passed over."""
    from ..psp import Grants, Operation, PspInputError, simulate
    from ..render.psp import which_document, which_text

    console, errors = Console(no_color=no_color), []
    policies = _policies(psp_files, console, errors)
    grants = Grants(user=_names(allow) if allow is not None else ["*"], service_account=_names(sa_allow))
    docs, texts, denied = [], [], False
    for doc in _objects(files, False, console, errors):
        pod = _pod_for(doc.obj, namespace)
        if pod is None:
            continue
        subject = f"{doc.obj.get('kind')} {pod['metadata']['namespace']}/{(doc.obj.get('metadata') or {}).get('name', '')}"
        try:
            admission = simulate(pod, policies, grants, namespace=pod["metadata"]["namespace"],
                                 operation=Operation.UPDATE if update else Operation.CREATE)
        except PspInputError as err:
            errors.append(f"{doc.source.describe()}: {err}")
            console.err(f"error: {doc.source.describe()}: {err}")
            continue
        denied = denied or not admission.allowed
        docs.append(which_document(subject, admission))
        texts.append(which_text(subject, admission))
    _emit(console, output, docs, "\n".join(texts), "PSPWhichReport")
    raise click.exceptions.Exit(ExitCode.worst(ExitCode.USAGE if errors else ExitCode.OK,
                                               ExitCode.FINDINGS if denied else ExitCode.OK))


@psp.command(name="map")
@click.option("--psp-file", "psp_files", multiple=True, required=True, metavar="FILE",
              help="The PodSecurityPolicy objects to map.")
@output_option(("table", "wide", "json", "yaml"))
@common_options
def map_(psp_files: tuple[str, ...], output: str, no_color: bool, debug: bool) -> None:
    """Each policy's strictest equivalent Pod Security Standard, and what keeps
    it from the next stricter level."""
    from ..psp import map_policy
    from ..render.psp import map_document, map_text

    console, errors = Console(no_color=no_color), []
    mappings = [map_policy(p) for p in _policies(psp_files, console, errors)]
    _emit(console, output, [map_document(m) for m in mappings], map_text(mappings, output == "wide"),
          "PSPMapReport")
    raise click.exceptions.Exit(ExitCode.USAGE if errors else ExitCode.OK)


@psp.command()
@click.option("-f", "--filename", "files", multiple=True, required=True, metavar="FILE|DIR",
              help="Pods and their owners (ReplicaSets, StatefulSets, DaemonSets, Jobs, ...), "
                   "e.g. `kubectl get pods,rs,sts,ds,jobs,rc -A -o yaml`.")
@click.option("-R", "--recursive", is_flag=True)
@output_option(("table", "json", "yaml"))
@common_options
def mutated(files: tuple[str, ...], recursive: bool, output: str, no_color: bool, debug: bool) -> None:
    """Pods whose spec differs from their owner's template in the fields a
    PodSecurityPolicy mutates: the first step of every move off PSP."""
    from ..owners import owned_pods
    from ..psp.drift import find_drift
    from ..render.psp import drift_document, drift_text

    console, errors = Console(no_color=no_color), []
    objects = [d.obj for d in _objects(files, recursive, console, errors)]
    pods = [o for o in objects if o.get("kind") == "Pod"]
    found = []
    for owned in owned_pods(pods, objects):
        drift = find_drift(owned.pod, {"metadata": owned.template.metadata, "spec": owned.template.spec})
        if drift.differences:
            meta = owned.pod.get("metadata") or {}
            found.append((f"Pod {meta.get('namespace', '')}/{meta.get('name', '')}", owned.owner, drift))
    _emit(console, output, [drift_document(p, d) | {"owner": o} for p, o, d in found],
          drift_text(found), "PSPMutatedReport")
    raise click.exceptions.Exit(ExitCode.USAGE if errors else ExitCode.OK)
