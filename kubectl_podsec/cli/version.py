"""`kubectl podsec version`."""

from __future__ import annotations

from typing import Any

import click

from .. import __version__
from ..errors import ClusterError, InputError
from ..pss import NEWEST_MINOR
from ..render.serialize import dump
from .options import cluster_options, common_options, connect, output_option

VERSION_TIMEOUT = "5s"  # a version query should not hang on an unreachable server


def server_version(connection: dict[str, Any]) -> dict[str, Any]:
    """The server's /version, or why there is none; never raises for the cluster."""
    try:
        cluster = connect({**connection,
                           "request_timeout": connection.get("request_timeout") or VERSION_TIMEOUT})
        cluster.attempts = 2
        info = cluster.version()
    except (ClusterError, InputError) as err:
        return {"reachable": False, "error": str(err)}
    return {"reachable": True, "server": cluster.server, "gitVersion": info.get("gitVersion"),
            "major": info.get("major"), "minor": info.get("minor"), "platform": info.get("platform")}


@click.command()
@click.option("--client", is_flag=True, help="Only this tool's version; do not ask the server.")
@cluster_options
@output_option(("table", "json", "yaml"))
@common_options
def version(client: bool, output: str, **connection: Any) -> None:
    """The tool's version, the newest Pod Security Standards version it knows,
    and the server's version when it can be reached."""
    info: dict[str, Any] = {"clientVersion": __version__, "newestPolicyVersion": f"v1.{NEWEST_MINOR}"}
    if not client:
        info["serverVersion"] = server_version(connection)
    if output in ("json", "yaml"):
        click.echo(dump(info, output), nl=False)
    else:
        click.echo(f"kubectl-podsec {__version__}\nPod Security Standards: up to v1.{NEWEST_MINOR}")
        server = info.get("serverVersion")
        if server and server["reachable"]:
            click.echo(f"Server: {server['gitVersion']} ({server['server']})")
        elif server:
            click.echo(f"Server: unreachable ({server['error']})")
