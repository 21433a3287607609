"""The packaging tests' artefacts: the frozen archive, krew, rendered manifests, a local download
server. Builds go through the repository's own scripts, which cache outside the repository."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from tests.conftest import ROOT

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
BUILD_TIMEOUT = 1800  # a cold PyInstaller build with its virtualenv takes ~3 minutes on 2 cores
OS_NAME = {"linux": "linux", "darwin": "darwin", "win32": "windows"}.get(sys.platform, sys.platform)
ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), platform.machine().lower())
PLATFORMS = [(o, a) for o in ("linux", "darwin", "windows") for a in ("amd64", "arm64")]
EXE = "kubectl-podsec.exe" if OS_NAME == "windows" else "kubectl-podsec"


class BuildError(Exception):
    pass


def package_version() -> str:
    import kubectl_podsec

    return kubectl_podsec.__version__


def runtime_constraints() -> str:
    """`name==version` of each runtime dependency as installed here (pip constraints)."""
    from importlib import metadata

    lines = []
    for requirement in metadata.requires("kubectl-podsec") or []:
        if "extra ==" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)  # type: ignore[union-attr]
        lines.append(f"{name}=={metadata.version(name)}\n")
    return "".join(sorted(lines))


def archive_name(os_name: str, arch: str, version: str | None = None) -> str:
    return f"kubectl-podsec_{version or package_version()}_{os_name}_{arch}.tar.gz"


def run_script(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable if name.endswith(("binary", "manifest")) else "bash",
                           str(ROOT / "scripts" / name), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def build(name: str, *args: str) -> str:
    """Run a build script; its last stdout line (a path), or BuildError with its stderr tail."""
    result = run_script(name, *args, timeout=BUILD_TIMEOUT)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-40:])
        raise BuildError(f"scripts/{name} failed (exit {result.returncode}):\n{tail}")
    return result.stdout.strip().splitlines()[-1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def extract(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="tar")
    return into


def stub_archive(path: Path, os_name: str) -> None:
    """A stand-in for another platform's archive, laid out like the real one, so that krew can
    install every entry of a full manifest (the bytes never run)."""
    exe = "kubectl-podsec.exe" if os_name == "windows" else "kubectl-podsec"
    with tarfile.open(path, "w:gz") as tar:
        for name, data, mode in ((f"kubectl-podsec/{exe}", b"stub\n", 0o755),
                                 ("kubectl-podsec/_internal/base_library.zip", b"", 0o644),
                                 ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))


def render_manifest(out_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """scripts/render-krew-manifest writing out_dir/podsec.yaml (the name krew insists on)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return run_script("render-krew-manifest", "-o", str(out_dir / "podsec.yaml"), *args)


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """An HTTP server on the loopback interface for `directory`; yields its base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Krew:
    """krew in its own KREW_ROOT, run the way users run it: as `kubectl krew` from PATH."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.bin_dir, self.root = bin_dir, root
        # krew's uninstall and list insist on a local index, a git clone of krew-index that
        # cannot be fetched here; installing from a manifest needs none, so an empty one does.
        (root / "index" / "default" / ".git").mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict[str, str]:
        path = os.pathsep.join([str(self.root / "bin"), str(self.bin_dir), os.environ["PATH"]])
        return dict(os.environ, KREW_ROOT=str(self.root), KREW_NO_UPGRADE_CHECK="1", PATH=path)

    def kubectl(self, *args: str, env: Mapping[str, str] | None = None,
                check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([KUBECTL, *args], capture_output=True, text=True, timeout=300,
                                cwd=ROOT, env={**self.env, **(env or {})})
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} exited {result.returncode}\n"
                                 f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result


def python_podsec(args: Sequence[str], env: Mapping[str, str] | None = None
                  ) -> subprocess.CompletedProcess[str]:
    """The same command from the sources, as `python -m kubectl_podsec`."""
    return subprocess.run([sys.executable, "-m", "kubectl_podsec", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env={**os.environ, **(env or {})})
