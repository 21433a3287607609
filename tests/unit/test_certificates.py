"""A client certificate's subject, read from its DER encoding as `ssl` would
spell it (whoami guesses the user from CN and the groups from each O)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from kubectl_podsec.kube.certificates import subject

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def certificate(tmp_path: pathlib.Path, subj: str, *extra: str) -> bytes:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-utf8",
                    "-subj", subj, *extra], check=True, capture_output=True)
    return cert.read_bytes()


def test_common_name_and_organizations(tmp_path: pathlib.Path) -> None:
    pem = certificate(tmp_path, "/CN=alice/O=system:masters/O=dev")
    assert subject(pem) == ((("commonName", "alice"),), (("organizationName", "system:masters"),),
                            (("organizationName", "dev"),))


def test_multi_valued_names_and_other_attributes(tmp_path: pathlib.Path) -> None:
    pem = certificate(tmp_path, "/CN=ällice+serialNumber=7/OU=x/DC=example/emailAddress=a@b.c",
                      "-multivalue-rdn")
    assert subject(pem) == ((("serialNumber", "7"), ("commonName", "ällice")),
                            (("organizationalUnitName", "x"),), (("domainComponent", "example"),),
                            (("emailAddress", "a@b.c"),))


def test_a_version_1_certificate_without_the_version_field(tmp_path: pathlib.Path) -> None:
    key, request, cert = tmp_path / "key.pem", tmp_path / "req.csr", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-subj", "/CN=bob/O=ops", "-out", str(request)],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", str(request), "-signkey", str(key), "-days", "1",
                    "-out", str(cert)], check=True, capture_output=True)
    assert b"Version: 1 (0x0)" in subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"],
                                                 check=True, capture_output=True).stdout
    assert subject(cert.read_bytes()) == ((("commonName", "bob"),), (("organizationName", "ops"),))


def test_the_first_certificate_of_a_bundle(tmp_path: pathlib.Path) -> None:
    first = certificate(tmp_path, "/CN=first")
    second = certificate(tmp_path, "/CN=second")
    assert subject(b"Subject: CN=first\n" + first + second) == ((("commonName", "first"),),)


@pytest.mark.parametrize("pem", [
    b"",
    b"not a certificate",
    b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
])
def test_what_cannot_be_read_has_no_subject(pem: bytes) -> None:
    assert subject(pem) is None


def test_a_truncated_certificate_has_no_subject(tmp_path: pathlib.Path) -> None:
    lines = certificate(tmp_path, "/CN=alice").splitlines()
    assert subject(b"\n".join(lines[:3] + lines[-1:])) is None
