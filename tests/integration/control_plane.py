"""The test control plane as the tests see it: scripts/test-cluster driven from Python.

`Cluster` describes one running instance (a profile of scripts/test-cluster) and talks to it
the two ways the plugin's users do: through kubectl with the generated kubeconfig, and over
HTTPS with a user's bearer token.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "test-cluster"
KUBECTL = "/usr/bin/kubectl"
STDERR_TAIL_LINES = 60


class ClusterError(Exception):
    """scripts/test-cluster could not bring a profile up."""


def run_script(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run scripts/test-cluster; never raises for a non-zero exit (callers decide)."""
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def pinned_k8s_version() -> str:
    """The Kubernetes version the suite asks for, as gitVersion ('v1.37.2')."""
    version = os.environ.get("PODSEC_K8S_VERSION")
    if not version:
        for line in (REPO / "scripts" / "versions.env").read_text().splitlines():
            if line.startswith("PODSEC_K8S_VERSION_DEFAULT="):
                version = line.partition("=")[2].strip()
    if not version:
        raise ClusterError("scripts/versions.env has no PODSEC_K8S_VERSION_DEFAULT")
    return "v" + version.removeprefix("v")


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: Message
    body: Any  # decoded JSON, or the text when it is not JSON

    @property
    def warnings(self) -> list[str]:
        return self.headers.get_all("Warning") or []


@dataclass(frozen=True)
class Cluster:
    """One running instance of scripts/test-cluster."""

    profile: str
    kubeconfig: Path
    server: str
    ca: Path
    tokens: Mapping[str, str]
    admission_config: Path
    version: str
    workdir: Path
    _ssl: ssl.SSLContext = field(repr=False, compare=False)

    @classmethod
    def from_status(cls, status: Mapping[str, Any]) -> Cluster:
        return cls(
            profile=status["profile"],
            kubeconfig=Path(status["kubeconfig"]),
            server=status["server"],
            ca=Path(status["ca"]),
            tokens=dict(status["tokens"]),
            admission_config=Path(status["admission_config"]),
            version=status["version"],
            workdir=Path(status["workdir"]),
            _ssl=ssl.create_default_context(cafile=status["ca"]),
        )

    def kubectl(
        self, *args: str, context: str = "admin", check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this instance; with check, a non-zero exit fails the test."""
        argv = [KUBECTL, f"--kubeconfig={self.kubeconfig}", f"--context={context}",
                f"--cache-dir={self.workdir / 'kubectl-cache'}", *args]
        result = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv[3:])} (context {context}) exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def api(
        self, method: str, path: str, body: Any = None, *, user: str = "admin", token: str | None = None
    ) -> ApiResponse:
        """One HTTPS request as `user` (or with an explicit bearer token); any status is returned."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.server + path, data=data, method=method,
            headers={"Authorization": f"Bearer {token or self.tokens[user]}",
                     "Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self._ssl, timeout=30) as response:
                return _api_response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return _api_response(error.code, error.headers, error.read())

    def create_namespace(self, hint: str, labels: Mapping[str, str] | None = None) -> str:
        """A new namespace with a unique name derived from `hint`."""
        slug = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-")[:40].strip("-")
        name = f"{slug}-{secrets.token_hex(3)}"
        manifest = {"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": name, "labels": dict(labels or {})}}
        self.kubectl("create", "-f", "-", input=json.dumps(manifest))
        return name


def _api_response(status: int, headers: Message, raw: bytes) -> ApiResponse:
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw.decode(errors="replace")
    return ApiResponse(status, headers, body)


def profile_status(profile: str) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(run_script("status", "--profile", profile, "--json").stdout)
    return status


def bring_up(profile: str) -> Cluster:
    """Start the profile (or reuse the running one) and describe it; ClusterError with the log tail if not."""
    result = run_script("up", "--profile", profile)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-STDERR_TAIL_LINES:])
        raise ClusterError(
            f"scripts/test-cluster up --profile {profile} failed (exit {result.returncode}):\n{tail}"
        )
    status = profile_status(profile)
    if not status["up"]:
        raise ClusterError(f"scripts/test-cluster up --profile {profile} succeeded but status says down")
    return Cluster.from_status(status)


def eventually(check: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    """Poll `check` until it holds, e.g. while RBAC's informers catch up with a new binding."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout:g} s")
        time.sleep(0.2)


def process_is_gone(pid: int) -> bool:
    """No process, or only a zombie left for init to reap."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def pod_manifest(name: str, *, privileged: bool = False, runtime_class: str | None = None) -> str:
    """A one-container pod; pause never runs here (no kubelet), so the image is only a name."""
    container: dict[str, Any] = {"name": "app", "image": "registry.k8s.io/pause:3.10"}
    if privileged:
        container["securityContext"] = {"privileged": True}
    spec: dict[str, Any] = {"containers": [container]}
    if runtime_class:
        spec["runtimeClassName"] = runtime_class
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})


def objects_manifest(objects: Sequence[Mapping[str, Any]]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
