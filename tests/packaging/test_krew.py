"""The krew manifest and installation by real krew (built from sigs.k8s.io/krew).

The manifest is rendered by scripts/render-krew-manifest from krew/podsec.yaml, validated by the
krew index's own validate-krew-manifest (which installs every platform entry, downloading it over
HTTP from a server on 127.0.0.1 and checking its sha256), then this machine's archive is installed
with `kubectl krew install --manifest --archive` into a throw-away KREW_ROOT and run through
kubectl itself, and uninstalled.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .artifacts import (ARCH, EXE, OS_NAME, PLATFORMS, Krew, archive_name, package_version,
                        python_podsec, render_manifest, serving, sha256, stub_archive)

BASE = "https://github.com/example/kubectl-podsec/releases/download/v9.8.7"
FAKE_SHA = {(o, a): hashlib.sha256(f"{o}/{a}".encode()).hexdigest() for o, a in PLATFORMS}


def checksums_file(path: Path, version: str = "9.8.7") -> Path:
    path.write_text("".join(f"{digest}  {archive_name(o, a, version)}\n"
                            for (o, a), digest in FAKE_SHA.items()))
    return path


def rendered(out: Path) -> dict:
    loaded: dict = yaml.safe_load((out / "podsec.yaml").read_text())
    return loaded


# ---- the manifest's content, as the krew index reviewers read it -------------------------------

def test_manifest_follows_the_index_rules(tmp_path: Path) -> None:
    result = render_manifest(tmp_path, "--version", "v9.8.7", "--base-url", BASE, "--all",
                             "--dist", str(tmp_path / "none"),
                             "--checksums", str(checksums_file(tmp_path / "SHA256SUMS")))
    assert result.returncode == 0, result.stderr
    manifest = rendered(tmp_path)
    spec = manifest["spec"]
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert (manifest["kind"], manifest["metadata"]) == ("Plugin", {"name": "podsec"})
    assert spec["version"] == "v9.8.7"
    assert spec["homepage"] == "https://github.com/example/kubectl-podsec"
    short = spec["shortDescription"]
    assert len(short) <= 50 and "\n" not in short, short
    description = spec["description"]
    assert all(len(line) <= 80 for line in description.splitlines())
    assert "kubectl podsec " not in description and " -" not in description  # no usage, no flags
    selectors = [(p["selector"]["matchLabels"]["os"], p["selector"]["matchLabels"]["arch"])
                 for p in spec["platforms"]]
    assert selectors == PLATFORMS  # one entry per os/arch: none overlaps, none is missing
    for platform in spec["platforms"]:
        labels = platform["selector"]["matchLabels"]
        os_name, arch = labels["os"], labels["arch"]
        assert set(platform["selector"]) == {"matchLabels"}
        assert platform["uri"] == f"{BASE}/{archive_name(os_name, arch, '9.8.7')}"
        assert platform["sha256"] == FAKE_SHA[(os_name, arch)]
        assert platform["files"] == [{"from": "*", "to": "."}]
        exe = "kubectl-podsec.exe" if os_name == "windows" else "kubectl-podsec"
        assert platform["bin"] == f"kubectl-podsec/{exe}"


def test_template_version_default_is_the_package_version(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / archive_name("linux", "amd64")).write_bytes(b"x")
    result = render_manifest(tmp_path, "--base-url", BASE, "--dist", str(dist))
    assert result.returncode == 0, result.stderr
    assert rendered(tmp_path)["spec"]["version"] == f"v{package_version()}"


def test_renders_only_the_platforms_it_has_archives_for(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / archive_name("darwin", "arm64", "1.2.3")).write_bytes(b"darwin")
    (dist / archive_name("linux", "amd64", "1.2.3")).write_bytes(b"linux")
    result = render_manifest(tmp_path, "--version", "1.2.3", "--base-url", "https://dl.example/r",
                             "--homepage", "https://example.org/podsec", "--dist", str(dist))
    assert result.returncode == 0, result.stderr
    spec = rendered(tmp_path)["spec"]
    assert spec["version"] == "v1.2.3" and spec["homepage"] == "https://example.org/podsec"
    assert [(p["uri"], p["sha256"]) for p in spec["platforms"]] == [
        (f"https://dl.example/r/{archive_name('linux', 'amd64', '1.2.3')}",
         sha256(dist / archive_name("linux", "amd64", "1.2.3"))),
        (f"https://dl.example/r/{archive_name('darwin', 'arm64', '1.2.3')}",
         sha256(dist / archive_name("darwin", "arm64", "1.2.3"))),
    ]


@pytest.mark.parametrize("args,error", [
    (["--version", "1.2"], "--version '1.2' is not semver"),
    (["--base-url", "https://dl.example/r"], "--homepage is required"),
    (["--all"], "--all: no archive in"),
    ([], "no archive for any platform"),
])
def test_render_refuses(tmp_path: Path, args: list[str], error: str) -> None:
    result = render_manifest(tmp_path, "--base-url", BASE, "--dist", str(tmp_path), *args)
    assert result.returncode != 0
    assert error in result.stderr
    assert not (tmp_path / "podsec.yaml").exists()


def test_render_refuses_an_archive_that_contradicts_the_checksums(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / archive_name("linux", "amd64", "9.8.7")).write_bytes(b"not the listed bytes")
    result = render_manifest(tmp_path, "--version", "v9.8.7", "--base-url", BASE, "--dist",
                             str(dist), "--checksums", str(checksums_file(tmp_path / "SUMS")))
    assert result.returncode != 0 and "does not match its checksum" in result.stderr


# ---- real krew ---------------------------------------------------------------------------------

def test_index_validator_installs_every_platform(archive: Path, krew: Krew, tmp_path: Path) -> None:
    """validate-krew-manifest, as krew-index CI runs it: structure, supported and non-overlapping
    selectors, then an install of every entry (KREW_OS/KREW_ARCH) that must extract a LICENSE.
    The other platforms' archives are stand-ins with the same layout."""
    served = tmp_path / "served"
    served.mkdir()
    for os_name, arch in PLATFORMS:
        name = archive_name(os_name, arch)
        if (os_name, arch) == (OS_NAME, ARCH):
            shutil.copyfile(archive, served / name)
        else:
            stub_archive(served / name, os_name)
    with serving(served) as url:
        result = render_manifest(tmp_path / "plugins", "--base-url", url, "--dist", str(served),
                                 "--all", "--homepage", "https://example.org/podsec")
        assert result.returncode == 0, result.stderr
        validation = subprocess.run(
            [str(krew.bin_dir / "validate-krew-manifest"), "-manifest",
             str(tmp_path / "plugins" / "podsec.yaml")],
            capture_output=True, text=True, timeout=600, env=krew.env)
    assert validation.returncode == 0, validation.stderr[-4000:]
    assert "all 6 spec.platforms installed fine" in validation.stderr


def test_krew_installs_runs_and_uninstalls_the_plugin(archive: Path, krew: Krew,
                                                      tmp_path: Path) -> None:
    render = render_manifest(tmp_path, "--base-url", BASE, "--dist", str(archive.parent))
    assert render.returncode == 0, render.stderr
    manifest = str(tmp_path / "podsec.yaml")

    install = krew.kubectl("krew", "install", f"--manifest={manifest}", f"--archive={archive}")
    assert "Installed plugin: podsec" in install.stdout + install.stderr
    link = krew.root / "bin" / EXE
    assert link.is_symlink()
    assert link.resolve() == (krew.root / "store" / "podsec" / f"v{package_version()}"
                              / "kubectl-podsec" / EXE)
    assert (krew.root / "store" / "podsec" / f"v{package_version()}" / "LICENSE").is_file()

    listed = krew.kubectl("plugin", "list", check=False).stdout.splitlines()
    podsec = [line for line in listed if Path(line).name == EXE]
    assert podsec[:1] == [str(link)], listed  # what `kubectl podsec` runs
    # a plugin installed from a manifest belongs to no index: krew lists it as "detached"
    assert krew.kubectl("krew", "list").stdout.split() == ["detached/podsec"]

    version = krew.kubectl("podsec", "version")
    assert version.stdout.splitlines()[0] == f"kubectl-podsec {package_version()}"
    for args in (["check", "-f", "examples/"],
                 ["check", "-f", "examples/", "--level", "restricted"]):
        through_kubectl = krew.kubectl("podsec", *args, check=False)
        from_source = python_podsec(args)
        assert (through_kubectl.returncode, through_kubectl.stdout, through_kubectl.stderr) == (
            from_source.returncode, from_source.stdout, from_source.stderr), args
    assert re.match(r"Usage: kubectl podsec ", krew.kubectl("podsec", "--help").stdout)

    uninstall = krew.kubectl("krew", "uninstall", "podsec")
    assert "Uninstalled plugin: podsec" in uninstall.stdout + uninstall.stderr
    assert not link.exists() and not link.is_symlink()
    assert not (krew.root / "store" / "podsec").exists()
    listed = krew.kubectl("plugin", "list", check=False).stdout.splitlines()
    assert not [line for line in listed if str(krew.root) in line], listed
