"""A kubeconfig `auth-provider`'s token (OIDC and the like, refreshed if need
be), which only the official `kubernetes` client knows how to get; importing
it costs more than most commands take, so only these users pay for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ClusterError
from . import kubeconfig


def token(resolved: kubeconfig.Resolved) -> str | None:
    """The bearer token the official loader gets from the context's auth-provider."""
    from kubernetes.client import Configuration
    from kubernetes.config import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    configuration = Configuration()
    try:
        loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
            _auth_provider_only(resolved), active_context=resolved.context, config_base_path="")
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except ConfigException as err:
        raise ClusterError(f'invalid configuration for context "{resolved.context_name}": {err}') from None
    found = configuration.api_key.get("BearerToken")
    return str(found) if found else None


def _auth_provider_only(resolved: kubeconfig.Resolved) -> dict[str, Any]:
    """The kubeconfig with the context's user cut down to its auth-provider.

    Everything else the user holds (token, exec plugin, basic auth) was read
    already (`credentials.py`) and gave no token. Left in, the loader would fall
    through to it, run an exec plugin a second time and report its failures
    only by logging them on the root logger."""
    config = dict(resolved.config or {})
    active = resolved.context or config.get("current-context")
    context = next((c.get("context") or {} for c in config.get("contexts") or []
                    if isinstance(c, Mapping) and c.get("name") == active), {})
    name = context.get("user") if isinstance(context, Mapping) else None
    config["users"] = [
        {"name": u["name"], "user": {"auth-provider": (u.get("user") or {}).get("auth-provider")}}
        if isinstance(u, Mapping) and u.get("name") == name else u
        for u in config.get("users") or []]
    return config
