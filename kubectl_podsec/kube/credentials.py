"""What a resolved kubeconfig says about reaching the server: its address, the
TLS settings and the credentials, as client-go reads them.

* The cluster: `server` (with any path prefix), `certificate-authority` or
  `certificate-authority-data` (data wins), `insecure-skip-tls-verify`,
  `tls-server-name`, `proxy-url` (else HTTPS_PROXY/NO_PROXY, as Go does).
* The user: a client certificate and key (file or data; data wins),
  `tokenFile` (read once; it wins over `token`), `token`, `username` and
  `password`, an `exec` credential plugin (client.authentication.k8s.io v1 and
  v1beta1: interactiveMode, env, provideClusterInfo, installHint), or an
  `auth-provider`, which only the official client knows how to refresh, so it is
  left to `client.py` (`Credentials.auth_provider`).
* In a pod without a kubeconfig: the service account's token and CA, and
  KUBERNETES_SERVICE_HOST/PORT.

Nothing here talks to the API server; exec plugins are run here.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import sys
from collections.abc import Mapping
from typing import Any, NamedTuple

from . import kubeconfig
from ..errors import ClusterError, InputError

EXEC_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
EXEC_CLUSTER_EXTENSION = "client.authentication.k8s.io/exec"


class Credentials(NamedTuple):
    server: str  # scheme://host[:port][/prefix], no trailing slash
    ca_pem: bytes | None = None  # None: the system's trust store
    insecure: bool = False
    tls_server_name: str | None = None
    client_cert_pem: bytes | None = None
    client_key_pem: bytes | None = None
    authorization: str | None = None  # the Authorization header's value
    proxy_url: str | None = None  # from the kubeconfig only (the environment is read per host)
    auth_provider: bool = False  # the official client must supply the token
    cluster_entry: str = ""  # 'FILE: cluster "NAME"' and 'FILE: user "NAME"', for messages
    user_entry: str = ""


def load(resolved: kubeconfig.Resolved, environ: Mapping[str, str] | None = None,
         timeout: float | None = None) -> Credentials:
    """The server, TLS settings and credentials; `timeout` (--request-timeout)
    bounds an exec credential plugin."""
    env = os.environ if environ is None else environ
    if resolved.config is None:
        return _in_cluster(env)
    config = resolved.config
    context = _entry(config, "contexts", resolved.context or "") or {}
    cluster_name, user_name = str(context.get("cluster") or ""), str(context.get("user") or "")
    cluster = _entry(config, "clusters", cluster_name) or {}
    user = _entry(config, "users", user_name) or {}
    # A fault in the kubeconfig is invalid input (exit 2), named by file and entry.
    in_cluster = f'{resolved.origin("clusters", cluster_name)}: cluster "{cluster_name}"'
    in_user = f'{resolved.origin("users", user_name)}: user "{user_name}"'
    server = cluster.get("server") or ""
    if not isinstance(server, str):
        raise InputError(in_cluster, "server must be a string")
    if not server:
        raise InputError(in_cluster, "no server found (the server key is missing or empty)")
    server = server.rstrip("/")
    if not server.startswith(("https://", "http://")):
        server = f"https://{server}"
    ca = _data_or_file(cluster, "certificate-authority", in_cluster)
    credentials = Credentials(
        server=server, ca_pem=ca, insecure=bool(cluster.get("insecure-skip-tls-verify")),
        tls_server_name=cluster.get("tls-server-name") or None,
        client_cert_pem=_data_or_file(user, "client-certificate", in_user),
        client_key_pem=_data_or_file(user, "client-key", in_user),
        authorization=_static_authorization(user, in_user),
        proxy_url=cluster.get("proxy-url") or None,
        auth_provider=bool(user.get("auth-provider")), cluster_entry=in_cluster, user_entry=in_user)
    if isinstance(user.get("exec"), Mapping) and not credentials.authorization:
        where = _Where(f'context "{resolved.context_name}"', in_user)
        credentials = _exec(user["exec"], cluster, ca, credentials, where, env, timeout)
    if bool(credentials.client_cert_pem) != bool(credentials.client_key_pem):
        missing = "client-key" if credentials.client_cert_pem else "client-certificate"
        raise InputError(in_user, f"{missing} is missing (a client certificate needs its key)")
    return credentials


class _Where(NamedTuple):
    """How messages name an exec plugin's failures: a plugin that ran and
    failed fails the context (exit 3); one that cannot be run is the entry's fault."""

    context: str
    entry: str


def _entry(config: Mapping[str, Any], section: str, name: str) -> dict[str, Any] | None:
    for entry in config.get(section) or []:
        if entry.get("name") == name:
            body = entry.get(section[:-1])
            return dict(body) if isinstance(body, Mapping) else {}
    return None


def _read(path: str, what: str, where: str = "") -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise InputError(where, f"cannot read the {what} {path}: {err.strerror}") from None


def _data_or_file(body: Mapping[str, Any], key: str, where: str) -> bytes | None:
    data = body.get(f"{key}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(where, f"{key}-data is not base64") from None
    if body.get(key):
        return _read(str(body[key]), key, where)
    return None


def _static_authorization(user: Mapping[str, Any], where: str) -> str | None:
    if user.get("tokenFile"):
        token = _read(str(user["tokenFile"]), "tokenFile", where).decode("utf-8", "replace").strip()
        return f"Bearer {token}" if token else None
    if user.get("token"):
        return f"Bearer {user['token']}"
    if user.get("username") or user.get("password"):
        pair = f"{user.get('username') or ''}:{user.get('password') or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode()
    return None


def _in_cluster(env: Mapping[str, str]) -> Credentials:
    host, port = env.get("KUBERNETES_SERVICE_HOST", ""), env.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise InputError("", "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and "
                             "KUBERNETES_SERVICE_PORT must be defined")
    if ":" in host:
        host = f"[{host}]"
    token = _read(os.path.join(kubeconfig.IN_CLUSTER_DIR, "token"), "service account token").decode().strip()
    ca_path = os.path.join(kubeconfig.IN_CLUSTER_DIR, "ca.crt")
    ca = _read(ca_path, "service account CA") if os.path.exists(ca_path) else None
    return Credentials(server=f"https://{host}:{port}", ca_pem=ca,
                       authorization=f"Bearer {token}" if token else None)


# --- exec credential plugins (client-go's plugin/pkg/client/auth/exec) ------------------

def _exec(spec: Mapping[str, Any], cluster: Mapping[str, Any], ca: bytes | None,
          credentials: Credentials, where: _Where, env: Mapping[str, str],
          timeout: float | None) -> Credentials:
    fail = f"cannot get credentials for {where.context}"
    version = str(spec.get("apiVersion") or "")
    if version not in EXEC_VERSIONS:
        raise InputError(where.entry, f'exec plugin: invalid apiVersion "{version}"')
    command = str(spec.get("command") or "")
    if not command:
        raise InputError(where.entry, "exec plugin: the command is missing")
    mode = str(spec.get("interactiveMode") or ("" if version.endswith("/v1") else "IfAvailable"))
    if mode not in ("Never", "IfAvailable", "Always"):
        raise InputError(where.entry, "exec plugin: interactiveMode must be Never, IfAvailable or Always"
                                      f'{f" (not {mode!r})" if mode else ""}')
    try:
        terminal = sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        terminal = False
    if mode == "Always" and not terminal:
        raise ClusterError(f"{fail}: exec plugin cannot support interactive mode: "
                           "standard input is not a terminal")
    interactive = terminal and mode != "Never"
    info: dict[str, Any] = {"kind": "ExecCredential", "apiVersion": version,
                            "spec": {"interactive": interactive}}
    if spec.get("provideClusterInfo"):
        info["spec"]["cluster"] = _cluster_info(cluster, ca)
    child_env = dict(env)
    for item in spec.get("env") or []:
        if isinstance(item, Mapping) and item.get("name"):
            child_env[str(item["name"])] = str(item.get("value") or "")
    child_env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    args = [command, *(str(a) for a in spec.get("args") or [])]
    import subprocess  # only for exec plugins: other cluster commands start without it

    try:
        ran = subprocess.run(args, env=child_env, stdout=subprocess.PIPE,
                             stdin=None if interactive else subprocess.DEVNULL, check=False,
                             timeout=timeout)
    except subprocess.TimeoutExpired:  # the plugin has been killed
        raise ClusterError(f"{fail}: exec plugin {command} gave no credentials within {timeout:g}s "
                           "(--request-timeout)") from None
    except FileNotFoundError:
        hint = str(spec.get("installHint") or "").strip()
        raise InputError(where.entry, f"exec: executable {command} not found"
                                      + (f"; {hint}" if hint else "")) from None
    except OSError as err:
        raise InputError(where.entry, f"exec: cannot run {command}: {err.strerror}") from None
    if ran.returncode != 0:
        raise ClusterError(f"{fail}: exec: executable {command} failed with exit code {ran.returncode}")
    return _exec_result(ran.stdout, version, credentials, fail)


def _cluster_info(cluster: Mapping[str, Any], ca: bytes | None) -> dict[str, Any]:
    info: dict[str, Any] = {"server": cluster.get("server") or ""}
    for key in ("tls-server-name", "insecure-skip-tls-verify", "proxy-url", "disable-compression"):
        if cluster.get(key):
            info[key] = cluster[key]
    if ca:
        info["certificate-authority-data"] = base64.b64encode(ca).decode()
    for extension in cluster.get("extensions") or []:
        if isinstance(extension, Mapping) and extension.get("name") == EXEC_CLUSTER_EXTENSION:
            info["config"] = extension.get("extension")
    return info


def _exec_result(stdout: bytes, version: str, credentials: Credentials, fail: str) -> Credentials:
    try:
        credential = json.loads(stdout)
    except ValueError as err:
        raise ClusterError(f"{fail}: exec plugin: decoding stdout: {err}") from None
    if not isinstance(credential, Mapping) or credential.get("kind") != "ExecCredential":
        raise ClusterError(f"{fail}: exec plugin: decoding stdout: not an ExecCredential")
    if credential.get("apiVersion") != version:
        raise ClusterError(f"{fail}: exec plugin is configured to use API version {version}, "
                           f"plugin returned version {credential.get('apiVersion')}")
    status = credential.get("status")
    if not isinstance(status, Mapping):
        raise ClusterError(f"{fail}: exec plugin didn't return a status field")
    token = status.get("token")
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if not token and not cert and not key:
        raise ClusterError(f"{fail}: exec plugin didn't return a token or cert/key pair")
    if bool(cert) != bool(key):
        raise ClusterError(f"{fail}: exec plugin returned only certificate or key, not both")
    if cert:
        credentials = credentials._replace(client_cert_pem=str(cert).encode(),
                                           client_key_pem=str(key).encode())
    if token:
        credentials = credentials._replace(authorization=f"Bearer {token}")
    return credentials


# --- proxies -----------------------------------------------------------------------------

def proxy_for(scheme: str, host: str, explicit: str | None, environ: Mapping[str, str]) -> str | None:
    """The proxy to reach host through: the kubeconfig's proxy-url, else Go's
    ProxyFromEnvironment (HTTPS_PROXY or HTTP_PROXY by scheme, NO_PROXY; never
    for localhost or loopback addresses)."""
    if explicit:
        return explicit
    if host in ("localhost",) or _loopback(host):
        return None
    names = ("HTTPS_PROXY", "https_proxy") if scheme == "https" else ("HTTP_PROXY", "http_proxy")
    proxy = next((environ[n] for n in names if environ.get(n)), None)
    if not proxy:
        return None
    no_proxy = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    for rule in (r.strip().lower() for r in no_proxy.split(",")):
        if rule == "*" or (rule and _bypassed(host.lower(), rule)):
            return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bypassed(host: str, rule: str) -> bool:
    rule = rule.rsplit(":", 1)[0] if rule.count(":") == 1 else rule  # host:port rules
    if "/" in rule:
        import ipaddress

        try:
            return ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network(rule, strict=False)
        except ValueError:
            return False
    rule = rule.lstrip("*")
    return host == rule.lstrip(".") or host.endswith(rule if rule.startswith(".") else f".{rule}")
