"""Options shared by several commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import UsageError
from ..terminal.console import Console
from ..admission.labels import ALL_LABELS, policy_from_labels, PRIVILEGED_POLICY

F = TypeVar("F", bound=Callable[..., Any])

_SERVER_VERSION = re.compile(r"^v?1\.(0|[1-9][0-9]*)(\.[0-9]+)?([-+].*)?$")


def output_option(choices: tuple[str, ...]) -> Callable[[F], F]:
    return click.option("-o", "--output", type=click.Choice(choices), default="table",
                        show_default=True, help="Output format.")


def _setting(name: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def store(ctx: click.Context, _: click.Parameter, value: bool) -> None:
        if value and ctx.obj is not None:
            setattr(ctx.obj, name, True)  # the run's Console, read by the error boundary too
    return store


def common_options(f: F) -> F:
    """`--no-color` and `--debug`, before or after the command; they set the
    run's Console once and reach no command's signature."""
    f = click.option("--no-color", is_flag=True, expose_value=False, is_eager=True,
                     callback=_setting("no_color"),
                     help="Never colour the output (NO_COLOR and TERM=dumb work too).")(f)
    f = click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                     callback=_setting("debug"), help="Show tracebacks for errors.")(f)
    return f


def run_console() -> Console:
    """The run's Console (a fresh one outside `kubectl podsec`'s own main)."""
    obj = click.get_current_context().find_root().obj
    return obj if isinstance(obj, Console) else Console()


def parse_server_version(text: str | None) -> int | None:
    """`v1.N` (or `1.N`, `v1.N.P`) to N."""
    if text is None:
        return None
    match = _SERVER_VERSION.match(text.strip())
    if not match:
        raise UsageError(f'--server-version: invalid value "{text}": must look like v1.30')
    return int(match.group(1))


def parse_labels(texts: str | tuple[str, ...] | None) -> dict[str, str] | None:
    """`k=v,k=v` (given once or more: all are merged) to a dict, validating
    pod-security labels as the API server would. A key given twice with two
    values is a usage error, never a silent choice."""
    if texts is None or not texts:
        return None
    labels: dict[str, str] = {}
    for text in (texts,) if isinstance(texts, str) else texts:
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise UsageError(f'--namespace-labels: "{_short(part)}" is not key=value')
            if key.startswith("pod-security.kubernetes.io/") and key not in ALL_LABELS:
                raise UsageError(f'--namespace-labels: unknown pod-security label "{_short(key)}"')
            if labels.get(key, value) != value:
                raise UsageError(f'--namespace-labels: "{_short(key)}" is given twice, as '
                                 f'"{_short(labels[key])}" and as "{_short(value)}"')
            labels[key] = value
    _, errors = policy_from_labels(labels, PRIVILEGED_POLICY)
    if errors:
        raise UsageError("--namespace-labels: " + "; ".join(str(e) for e in errors))
    return labels


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


CLUSTER_FLAGS = ("kubeconfig", "context", "cluster", "user", "as_user", "as_groups", "as_uid", "sa",
                 "request_timeout")


SA_HELP = "Act as this service account (--as system:serviceaccount:NS:NAME)."


def cluster_options(f: F) -> F:
    """kubectl's connection and impersonation flags."""
    return _cluster_options(f, SA_HELP)


def cluster_options_pods_sa(f: F) -> F:
    """The same, where --sa is also the service account of the pods judged (check)."""
    return _cluster_options(f, SA_HELP[:-1] + ", and give the pods checked this service account.")


def _cluster_options(f: F, sa_help: str) -> F:
    for decorator in reversed((
        click.option("--kubeconfig", metavar="FILE", type=click.Path(dir_okay=False),
                     help="Path to the kubeconfig file (default: KUBECONFIG, ~/.kube/config)."),
        click.option("--context", metavar="NAME", help="The kubeconfig context to use."),
        click.option("--cluster", metavar="NAME", help="The kubeconfig cluster to use."),
        click.option("--user", metavar="NAME", help="The kubeconfig user to use."),
        click.option("--as", "as_user", metavar="USER", help="Impersonate this user or service account."),
        click.option("--as-group", "as_groups", multiple=True, metavar="GROUP",
                     help="Impersonate this group (repeatable)."),
        click.option("--as-uid", metavar="UID", help="Impersonate this UID."),
        click.option("--sa", metavar="NS/NAME", help=sa_help),
        click.option("--request-timeout", metavar="DURATION",
                     help="Give up on a request after this long (e.g. 5s, 1m; 0: never)."),
    )):
        f = decorator(f)
    return f


def cluster_flags_given(params: dict[str, Any]) -> bool:
    return any(params.get(name) for name in CLUSTER_FLAGS)


def connect(params: dict[str, Any]) -> Any:
    """A `Cluster` for these flags (imports the client: cluster commands only)."""
    from ..kube.client import Cluster
    from ..kube.options import ConnectionOptions, impersonation, parse_timeout

    identity = impersonation(params.get("as_user"), tuple(params.get("as_groups") or ()),
                             params.get("as_uid"), params.get("sa"))
    return Cluster(ConnectionOptions(
        kubeconfig=params.get("kubeconfig"), context=params.get("context"),
        cluster=params.get("cluster"), user=params.get("user"), identity=identity,
        request_timeout=parse_timeout(params.get("request_timeout"))))
