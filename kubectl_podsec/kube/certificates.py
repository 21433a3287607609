"""The subject of a client certificate, read from its DER encoding.

`whoami` guesses the identity from it where the server cannot say (CN is the
user, each O a group). The standard library has no public call that decodes a
certificate it is not connected with, so the few DER structures on the path to
the subject are read here: Certificate -> TBSCertificate -> subject Name
(RFC 5280 4.1), a SEQUENCE of SETs of (OID, string) pairs.
"""

from __future__ import annotations

import base64
import binascii
import re

Subject = tuple[tuple[tuple[str, str], ...], ...]

# The attribute names as `ssl` itself spells them (SSLSocket.getpeercert).
_NAMES = {
    "2.5.4.3": "commonName", "2.5.4.5": "serialNumber", "2.5.4.6": "countryName",
    "2.5.4.7": "localityName", "2.5.4.8": "stateOrProvinceName", "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName", "0.9.2342.19200300.100.1.25": "domainComponent",
    "2.5.4.4": "surname", "2.5.4.42": "givenName", "2.5.4.12": "title",
    "1.2.840.113549.1.9.1": "emailAddress",
}
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----")
_SEQUENCE, _SET, _OID, _CONTEXT_0 = 0x30, 0x31, 0x06, 0xA0
_T61_STRING, _UNIVERSAL_STRING, _BMP_STRING = 0x14, 0x1C, 0x1E


class _Malformed(ValueError):
    pass


def subject(pem: bytes) -> Subject | None:
    """The subject of the first certificate in `pem`, as `ssl` would decode it
    (((('commonName', 'alice'),), (('organizationName', 'dev'),))); None when
    it cannot be read."""
    match = _PEM.search(pem)
    if not match:
        return None
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
        tbs = _children(_only(der, _SEQUENCE))[0]
        fields = _children(_expect(tbs, _SEQUENCE))
        if fields and fields[0][0] == _CONTEXT_0:
            fields = fields[1:]  # the version: present from v2 on
        # serialNumber, signature, issuer, validity, subject
        return tuple(_rdn(rdn) for rdn in _children(_expect(fields[4], _SEQUENCE)))
    except (ValueError, IndexError, binascii.Error):
        return None


def _rdn(element: tuple[int, bytes]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for attribute in _children(_expect(element, _SET)):
        oid, value = _children(_expect(attribute, _SEQUENCE))
        dotted = _oid(_expect(oid, _OID))
        pairs.append((_NAMES.get(dotted, dotted), _text(value)))
    return tuple(pairs)


def _text(element: tuple[int, bytes]) -> str:
    tag, content = element
    if tag == _BMP_STRING:
        return content.decode("utf-16-be")
    if tag == _UNIVERSAL_STRING:
        return content.decode("utf-32-be")
    if tag == _T61_STRING:
        return content.decode("latin-1")
    return content.decode("utf-8")  # UTF8String, PrintableString, IA5String and the like


def _oid(content: bytes) -> str:
    if not content:
        raise _Malformed("empty OID")
    first = content[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in content[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _expect(element: tuple[int, bytes], tag: int) -> bytes:
    if element[0] != tag:
        raise _Malformed(f"tag {element[0]:#x}, expected {tag:#x}")
    return element[1]


def _only(data: bytes, tag: int) -> bytes:
    element, end = _element(data, 0)
    if end != len(data):
        raise _Malformed("trailing bytes")
    return _expect(element, tag)


def _children(content: bytes) -> list[tuple[int, bytes]]:
    found, position = [], 0
    while position < len(content):
        element, position = _element(content, position)
        found.append(element)
    return found


def _element(data: bytes, position: int) -> tuple[tuple[int, bytes], int]:
    """(tag, content) of the DER element at `position`, and where it ends."""
    tag, length = data[position], data[position + 1]
    position += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise _Malformed("length")
        length = int.from_bytes(data[position:position + count], "big")
        position += count
    end = position + length
    if end > len(data):
        raise _Malformed("truncated")
    return (tag, data[position:end]), end
