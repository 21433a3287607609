"""Benchmark: the hand-written transport (`kube/transport.py`) against urllib3,
which the official `kubernetes` client installs, on a real control plane.

    python benchmarks/kube_transport.py [--profile default] [--runs 15] [--requests 300]

Three measurements, each alternating the two transports run by run so that
the noise of a shared machine falls on both alike (medians reported):

1. Import cost: wall time of a fresh interpreter importing `kube.client`, and
   the same plus `urllib3` (whose marginal cost `-X importtime` also shows).
2. Requests per second, in one process: GET /version one after another, and
   SelfSubjectAccessReviews 4 at a time (as `whoami` asks them).
3. `whoami -n kube-system` as whole processes, once as shipped and once with
   the urllib3 transport put in place before the command runs.

The urllib3 transport is a faithful stand-in for measuring, not a port: the
same TLS context, tls-server-name, proxy and keep-alive pool, no retries of its
own (the client's retry loop stays), and errors left untranslated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


class Urllib3Transport:
    """`Transport.send` over a urllib3 pool (PoolManager, or ProxyManager for a proxy)."""

    def __init__(self, credentials: Any, environ: Mapping[str, str]) -> None:
        import urllib3

        from kubectl_podsec.kube.credentials import proxy_for
        from kubectl_podsec.kube.transport import _ssl_context

        url = urlsplit(credentials.server)
        self.prefix = url.path.rstrip("/")
        port = url.port or (443 if url.scheme == "https" else 80)
        self.base = f"{url.scheme}://{url.hostname}:{port}"
        options: dict[str, Any] = {"maxsize": 16, "block": False, "retries": False}
        if url.scheme == "https":
            options.update(ssl_context=_ssl_context(credentials),
                           server_hostname=credentials.tls_server_name)
        proxy = proxy_for(url.scheme, url.hostname or "", credentials.proxy_url, environ)
        self.pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        self.urllib3 = urllib3

    def send(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes | None,
             timeout: float | None) -> tuple[int, bytes, Any]:
        sent = self.urllib3.HTTPHeaderDict()
        for name, value in headers:
            sent.add(name, value)
        limit = self.urllib3.Timeout(connect=timeout or 30.0, read=timeout)
        reply = self.pool.urlopen(method, self.base + target, body=body, headers=sent, timeout=limit,
                                  redirect=False, decode_content=False)
        return reply.status, reply.data, _Headers(reply.headers)


class _Headers:
    """urllib3's headers with the two calls `Cluster._send` makes of http.client's."""

    def __init__(self, headers: Any) -> None:
        self.headers = headers

    def get_all(self, name: str) -> list[str]:
        return list(self.headers.getlist(name))

    def get(self, name: str) -> str | None:
        value = self.headers.get(name)
        return str(value) if value is not None else None


def use_urllib3() -> None:
    from kubectl_podsec.kube import client

    client.Transport = Urllib3Transport  # type: ignore[misc,assignment]


def wall(cmd: list[str], env: Mapping[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def alternating(runs: int, **cases: Callable[[], float]) -> dict[str, float]:
    """Medians of each case, run in turn (a, b, a, b, ...) after one warm-up each."""
    for case in cases.values():
        case()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            times[name].append(case())
    return {name: statistics.median(found) for name, found in times.items()}


def import_costs(runs: int, env: Mapping[str, str]) -> None:
    def importing(modules: str) -> Callable[[], float]:
        return lambda: wall([PY, "-c", f"import {modules}"], env)

    found = alternating(runs, bare=lambda: wall([PY, "-c", "pass"], env),
                        ours=importing("kubectl_podsec.kube.client"),
                        with_urllib3=importing("kubectl_podsec.kube.client, urllib3"))
    marginal = []
    for _ in range(runs):
        trace = subprocess.run([PY, "-X", "importtime", "-c", "import kubectl_podsec.kube.client, urllib3"],
                               capture_output=True, text=True, env=env, check=True).stderr
        marginal.append(int(re.search(r"\|\s*(\d+) \| urllib3$", trace, re.M).group(1)) / 1000)  # type: ignore[union-attr]
    print(f"interpreter alone: {found['bare'] * 1000:.0f} ms; importing kube.client: "
          f"{found['ours'] * 1000:.0f} ms; kube.client + urllib3: {found['with_urllib3'] * 1000:.0f} ms; "
          f"urllib3 after kube.client (-X importtime, cumulative): {statistics.median(marginal):.1f} ms")


def request_rates(runs: int, count: int, kubeconfig: str) -> None:
    from kubectl_podsec.kube import client
    from kubectl_podsec.kube.options import ConnectionOptions

    def cluster(transport: Any) -> Any:
        saved = client.Transport
        client.Transport = transport
        try:
            return client.Cluster(ConnectionOptions(kubeconfig=kubeconfig))
        finally:
            client.Transport = saved

    ours, theirs = cluster(client.Transport), cluster(Urllib3Transport)
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "kube-system"}}}

    def sequential(c: Any) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            for _ in range(count):
                c.get("/version")
            return count / (time.perf_counter() - start)
        return run

    def four_at_a_time(c: Any) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda _: c.post(SSAR, review), range(count)))
            return count / (time.perf_counter() - start)
        return run

    found = alternating(runs, ours_get=sequential(ours), urllib3_get=sequential(theirs),
                        ours_ssar=four_at_a_time(ours), urllib3_ssar=four_at_a_time(theirs))
    print(f"GET /version, one after another: ours {found['ours_get']:.0f}/s, urllib3 {found['urllib3_get']:.0f}/s")
    print(f"SelfSubjectAccessReview, 4 at a time: ours {found['ours_ssar']:.0f}/s, "
          f"urllib3 {found['urllib3_ssar']:.0f}/s")


def whoami(runs: int, env: Mapping[str, str]) -> None:
    def command(transport: str) -> Callable[[], float]:
        return lambda: wall([PY, __file__, "--run-with", transport, "whoami", "-n", "kube-system"], env)

    found = alternating(runs, ours=command("ours"), urllib3=command("urllib3"))
    print(f"whoami -n kube-system: ours {found['ours'] * 1000:.0f} ms, urllib3 {found['urllib3'] * 1000:.0f} ms")


def run_with(transport: str, args: list[str]) -> None:
    if transport == "urllib3":
        use_urllib3()
    from kubectl_podsec.cli.main import main

    sys.argv = ["kubectl-podsec", *args]
    main()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--run-with":
        sys.path.insert(0, str(REPO))
        run_with(sys.argv[2], sys.argv[3:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    script = REPO / "scripts" / "test-cluster"
    subprocess.run([str(script), "up", "--profile", args.profile], check=True, stdout=subprocess.DEVNULL)
    status = json.loads(subprocess.run([str(script), "status", "--profile", args.profile, "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    env = {**os.environ, "KUBECONFIG": status["kubeconfig"], "PYTHONPATH": str(REPO)}
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "kubectl_podsec")], check=True)
    import urllib3

    print(f"# {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"urllib3 {urllib3.__version__}; kube-apiserver {status['version']} (profile {args.profile}); "
          f"medians of {args.runs} alternating runs")
    sys.path.insert(0, str(REPO))
    import_costs(args.runs, env)
    request_rates(args.runs, args.requests, status["kubeconfig"])
    whoami(args.runs, env)


if __name__ == "__main__":
    main()
