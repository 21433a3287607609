"""The whoami document as text for people: the identity, the Pod Security
levels per namespace, one row per permission, and why each risky grant is risky."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HEADER = ("NAMESPACE", "VERB", "RESOURCE", "NAME", "ALLOWED")


def _resource(row: Mapping[str, Any]) -> str:
    sub = row.get("subresource")
    return f"{row['resource']}/{sub}" if sub else str(row["resource"])


def _cells(row: Mapping[str, Any]) -> list[str]:
    allowed = ("yes, RISKY" if row["risky"] else "yes") if row["allowed"] else "no"
    return [row.get("namespace") or "(cluster)", row["verb"], _resource(row), row.get("name") or "*",
            allowed]


def _paint(text: str, row: Mapping[str, Any], color: bool) -> str:
    if not color:
        return text
    from colorama import Fore, Style  # only when colouring

    tone = Fore.RED if row["risky"] else Fore.GREEN if row["allowed"] else ""
    return tone + text + Style.RESET_ALL if tone else text


def _table(rows: list[Mapping[str, Any]], color: bool) -> str:
    cells = [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in [list(HEADER), *cells]) for i in range(len(HEADER))]
    out = ["   ".join(h.ljust(w) for h, w in zip(HEADER, widths)).rstrip()]
    for row, line in zip(rows, cells):
        text = "   ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()
        out.append(_paint(text, row, color))
    risky = [r for r in rows if r["risky"]]
    if risky:
        out.append("Risky:")
        out += [f"  {r['verb']} {_resource(r)}{' ' + r['name'] if r.get('name') else ''}"
                f"{' in ' + r['namespace'] if r.get('namespace') and r['resource'] != 'namespaces' else ''}"
                f": {r['why']}" for r in risky]
    notes = [r for r in rows if not r["risky"] and r.get("why")]
    out += [f"  note: {r['verb']} {_resource(r)}: {r['why']}" for r in notes]
    return "\n".join(out) + "\n"


def _pod_security(section: Mapping[str, Any]) -> str:
    ps = section["podSecurity"]
    if "error" in ps:
        return f"Pod Security in {section['namespace']}: unknown ({ps['error']})\n"
    text = ", ".join(f"{mode} {ps[mode]}" for mode in ("enforce", "audit", "warn"))
    return f"Pod Security in {section['namespace']}: {text} ({ps['source']})\n"


def whoami_text(doc: Mapping[str, Any], color: bool = False, every_namespace: bool = False) -> str:
    """One namespace: its rows and the cluster-scoped ones in one table; with
    -A a table per namespace, then the cluster-scoped rows."""
    user = doc["user"]
    out = [f"User:    {user['username'] or '(unknown)'}\n"]
    if user.get("uid"):
        out.append(f"UID:     {user['uid']}\n")
    out.append(f"Groups:  {', '.join(user['groups']) or '(none)'}\n")
    for key, values in sorted((user.get("extra") or {}).items()):
        out.append(f"Extra:   {key}={','.join(values)}\n")
    out.append(f"(from {doc['identitySource']})\n")
    sections = doc["namespaces"]
    if not every_namespace:
        (section,) = sections
        return "".join([*out, "\n", _pod_security(section),
                        _table(section["permissions"] + doc["permissions"], color)])
    for section in sections:
        out += ["\n", _pod_security(section), _table(section["permissions"], color)]
    return "".join([*out, "\n", _table(doc["permissions"], color)])
