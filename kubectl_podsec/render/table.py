"""The table for people: one row per object, the verdict per mode; details below."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from .fixes import fix_hint
from ..admission.policy import HOW_TO_KNOW
from ..check.report import Failure, Rendered, Result, Skipped, Summary, Verdict
from .writer import ReportWriter

if TYPE_CHECKING:  # the server's side is loaded only by runs that ask it (--server)
    from ..check.dry_run import ServerVerdict

WIDTH_SAMPLE = 500  # rows buffered to size the columns before streaming
MAX_DETAILS = 50  # denial messages shown below the table


def verdict(result: Result) -> str:
    adm = result.admission
    if result.verdict is Verdict.INVALID:
        return "INVALID"
    if result.psp_denied and adm.pods_allowed:  # PodSecurityPolicy never rejects a workload itself
        return "DENIED" if adm.is_pod else "PODS DENIED"
    if adm.exempt:
        return f"exempt ({adm.exempt})"
    if adm.pods_allowed is False:
        return "DENIED" if adm.is_pod or adm.evaluations[0].mode == "level" else "PODS DENIED"
    if result.verdict is Verdict.UNKNOWN:
        return "UNKNOWN"
    notes = []
    if any(e.allowed is False for e in adm.evaluations):
        notes.append("warnings" if result.warnings else "audit")
    if adm.unknown:
        notes.append(f"{', '.join(e.mode.value for e in adm.unknown)} unknown")
    return f"allowed ({'; '.join(notes)})" if notes else "allowed"


def _mode_cell(result: Result, mode: str) -> str:
    e = next((e for e in result.admission.evaluations if e.mode == mode), None)
    if e is None:
        return "-"
    if e.evaluation is None:
        return "unknown"
    text = str(e.evaluation.level_version)
    return text if e.allowed else f"{text} FAIL"


def _fix_lines(result: Result) -> list[str]:
    """-o wide: for each failing check, what `kubectl podsec fix` does about it."""
    hints: dict[str, str] = {}
    for e in result.admission.evaluations:
        for v in e.evaluation.violations if e.evaluation is not None else ():
            hints.setdefault(v.check, fix_hint(v.check, v.detail))
    return [f"fix {check}: {hint}" for check, hint in hints.items()]


def _invalid_lines(result: Result) -> list[str]:
    """The API server's validation error: its message, or (where the object has
    parts not modelled) the errors found, each certain."""
    validation = result.validation
    if validation is None or validation.valid is not False:
        return []
    if validation.message:
        return [f"invalid: {validation.message}"]
    if not validation.errors:  # refused for certain, in words the model cannot give
        return [f"invalid: the API server refuses it; its message is not known ({'; '.join(validation.doubts)})"]
    return [f"invalid: {e.text}" for e in validation.errors]


def psp_cell(result: Result) -> str:
    """The PodSecurityPolicy that would admit the pod, or `denied`."""
    psp = result.psp
    if psp is None:
        return "-"
    if not psp.allowed:
        return "denied"
    return f"{psp.chosen} +mutates" if psp.mutations else str(psp.chosen)


def _psp_lines(result: Result, wide: bool) -> list[str]:
    """The denial; with -o wide, also each field the chosen policy would set."""
    psp = result.psp
    if psp is None:
        return []
    if not psp.allowed:
        return [f"psp: {psp.message}"]
    if not wide:
        return []
    return [f"psp: {psp.chosen} sets {m.path}: {_json(m.old)} -> {_json(m.new)}" for m in psp.mutations]


def _json(value: Any) -> str:
    return "(unset)" if value is None else json.dumps(value, ensure_ascii=False)


def failing_checks(result: Result) -> str:
    seen: dict[str, None] = {}
    for e in result.admission.evaluations:
        for v in e.evaluation.violations if e.evaluation is not None else ():
            seen[v.check] = None
    return ",".join(seen) or "-"


def _source(result: Result) -> str:
    src = result.source
    if src is None:
        return "cluster"
    item = f"[{src.item}]" if src.item is not None else ""
    return f"{src.file}#{src.document}{item}"


class TableLine(NamedTuple):
    """A result as the table shows it, made apart from the table (in a worker
    process too: check/fanout.py): every cell either layout needs, its entry
    in the details below the table, and what the notes after it gather."""

    flags: tuple[bool, bool, bool]  # the result's own: --level's mode, the server's verdict, a PodSecurityPolicy
    named: tuple[str, str, str]  # namespace, kind, name
    level: str  # the LEVEL cell
    modes: tuple[str, str, str]  # the ENFORCE, AUDIT and WARN cells
    psp: str
    verdict: str
    server: str
    extra: tuple[str, ...]  # -o wide: the failing checks and the source
    details: str | None
    defaulted: tuple[str, str] | None  # (namespace, which modes are unknown, and why)
    mutated: bool


def table_line(result: Result, wide: bool) -> TableLine:
    adm = result.admission
    unknown = adm.unknown
    ref = result.object
    return TableLine(
        (adm.evaluations[0].mode == "level", result.server is not None, result.psp is not None),
        (ref.namespace or "-", ref.kind, ref.name or "-"),
        _mode_cell(result, "level"), (_mode_cell(result, "enforce"), _mode_cell(result, "audit"),
                                      _mode_cell(result, "warn")),
        psp_cell(result), verdict(result), server_verdict(result.server) if result.server else "-",
        (failing_checks(result), _source(result)) if wide else (),
        _details(result, wide),
        (ref.namespace, f"{', '.join(e.mode.value for e in unknown)} unknown: {unknown[0].unknown}")
        if unknown and ref.namespace else None,
        any(e.mutated for e in adm.evaluations))


def _details(result: Result, wide: bool) -> str | None:
    """The result's entry below the table, if it has anything to say."""
    # Modes with an equal level:version share one line ("audit, warn: ...").
    by_lv: dict[object, list[str]] = {}
    texts: dict[object, str] = {}
    for m in result.admission.evaluations:
        if m.message and m.evaluation is not None:
            by_lv.setdefault(m.evaluation.level_version, []).append(m.mode)
            texts.setdefault(m.evaluation.level_version, m.message)
    lines = [] if result.admission.exempt else [
        f"{', '.join(modes)}: {texts[lv]}" for lv, modes in by_lv.items()]
    lines += _fix_lines(result) if wide and not result.admission.exempt else []
    lines += _psp_lines(result, wide)
    lines = _invalid_lines(result) + lines
    lines += server_lines(result.server) if result.server else []
    if not lines:
        return None
    adm = result.admission
    pods_denied = adm.pods_allowed is False or result.psp_denied
    lead = ("pods would be rejected; the object itself would be accepted"
            if pods_denied and not adm.is_pod and not result.invalid else verdict(result))
    head = f"{result.object.describe()} ({_source(result)}): {lead}"
    return head + "\n" + "".join(f"  {line}\n" for line in lines)


class TableWriter(ReportWriter):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._pending: list[tuple[list[str], str]] = []
        self._widths: list[int] | None = None
        self._level_mode = False
        self._server_mode = False  # --server: the server's verdict beside ours
        self._psp_mode = False  # PodSecurityPolicies: the policy that would admit each pod
        self._details: list[str] = []
        self._more_details = 0
        self._defaulted: dict[str, str] = {}  # namespace -> which modes are unknown, and why
        self._mutated = False  # some pod was evaluated as a PodSecurityPolicy mutated it

    def _header(self) -> list[str]:
        modes = ["LEVEL"] if self._level_mode else ["ENFORCE", "AUDIT", "WARN"]
        extra = ["FAILING CHECKS", "SOURCE"] if self.wide else []
        server = ["SERVER"] if self._server_mode else []
        psp = ["PSP"] if self._psp_mode else []
        return ["NAMESPACE", "KIND", "NAME", *modes, *psp, "RESULT", *server, *extra]

    def _row(self, line: TableLine) -> list[str]:
        """The row's cells, in the layout the first row chose."""
        modes = [line.level] if self._level_mode else list(line.modes)
        server = [line.server] if self._server_mode else []
        psp = [line.psp] if self._psp_mode else []
        return [*line.named, *modes, *psp, line.verdict, *server, *line.extra]

    def _paint(self, cells: list[str], widths: list[int], result_verdict: str) -> str:
        parts = []
        for cell, width in zip(cells, widths):
            text = cell.ljust(width)
            if self.color and (cell == result_verdict or cell.endswith(" FAIL")):
                from colorama import Fore, Style  # only when colouring

                tone = (Fore.GREEN if cell == "allowed" else Fore.YELLOW
                        if cell.startswith(("allowed", "exempt", "UNKNOWN")) else Fore.RED)
                text = tone + text + Style.RESET_ALL
            parts.append(text)
        return "   ".join(parts).rstrip() + "\n"

    def _flush(self) -> str:
        if self._widths is None:
            rows = [self._header()] + [cells for cells, _ in self._pending]
            self._widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            out = ["   ".join(h.ljust(w) for h, w in zip(self._header(), self._widths)).rstrip() + "\n"]
        else:
            out = []
        out += [self._paint(cells, self._widths, v) for cells, v in self._pending]
        self._pending.clear()
        return "".join(out)

    def result(self, result: Result) -> str:
        return self._place(table_line(result, self.wide))

    def detached(self) -> Callable[[Result], Rendered]:
        wide = self.wide
        return lambda result: Rendered("", row=table_line(result, wide))

    def placed(self, rendered: Rendered) -> str:
        row: TableLine = rendered.row
        return self._place(row)

    def _place(self, line: TableLine) -> str:
        if line.defaulted is not None:
            self._defaulted.setdefault(*line.defaulted)
        if self._widths is None and not self._pending:
            self._level_mode, self._server_mode, self._psp_mode = line.flags
        self._mutated = self._mutated or line.mutated
        self._pending.append((self._row(line), line.verdict))
        if line.details is not None:
            if len(self._details) >= MAX_DETAILS:
                self._more_details += 1
            else:
                self._details.append(line.details)
        if self._widths is None and len(self._pending) < WIDTH_SAMPLE:
            return ""
        return self._flush()

    def end(self, skipped: list[Skipped], errors: list[Failure], summary: Summary) -> str:
        out = [self._flush()] if self._pending else []
        if summary.nothing_read:  # not an empty cluster: say so
            out.append("Nothing could be read from the cluster (see the errors above).\n")
        elif summary.objects == 0:
            out.append("No objects with a pod spec.\n")
        if self._details:
            out.append("\n" + "\n".join(self._details))
        if self._more_details:
            out.append(f"\n... and {self._more_details} more (see -o wide, json or yaml)\n")
        if skipped:
            out.append("\nSkipped:\n" + "".join(
                f"  {s.object.describe()}: {s.reason}\n" for s in skipped))
        if self._defaulted:
            out.append("\nNote: Pod Security policy not fully known; to know it, " + HOW_TO_KNOW + ":\n" + "".join(
                f"  namespace {ns}: {why}\n" for ns, why in self._defaulted.items()))
        if self._mutated:
            out.append("\nNote: Pod Security evaluated each pod a PodSecurityPolicy mutates (+mutates) "
                       "as mutated, as the API server does.\n")
        s = summary
        unknown = f", {s.unknown} unknown" if s.unknown else ""
        out.append(f"\n{s.objects} checked: {s.allowed} allowed, {s.denied} denied{unknown}; "
                   f"{s.skipped} skipped" + (f"; {s.errors} invalid" if s.errors else "") + "\n")
        return "".join(out)


def server_verdict(server: ServerVerdict) -> str:
    """A word or two for the table: what the server said, with `!` on a disagreement."""
    from ..check.answers import Said, classify  # only runs with --server get here

    denial_words = {Said.POD_SECURITY: "DENIED", Said.PSP: "DENIED (PSP)", Said.ADMISSION: "DENIED (admission)",
                    Said.INVALID: "INVALID", Said.NAMESPACE_MISSING: "NO NAMESPACE",
                    Said.NAMESPACE_TERMINATING: "NAMESPACE TERMINATING"}
    said = classify(server.object) if server.object is not None else None
    pods = classify(server.pods) if server.pods is not None else None
    if not server.permitted or (said is not None and said.said is Said.RBAC):
        word = "NOT PERMITTED"
    elif server.unknown:
        word = "ERROR"
    elif said is not None and said.said in denial_words:
        word = denial_words[said.said]
    elif pods is not None and pods.said in denial_words:
        word = "PODS " + denial_words[pods.said]
    elif server.object is not None and server.object.warnings:
        word = "accepted (warnings)"
    else:
        word = "accepted"
    flagged = server.agrees is False or (server.error != "" and server.unknown)
    return word + " !" if flagged else word


def server_lines(server: ServerVerdict) -> list[str]:
    """The lines below the table for what the server said that needs saying:
    refusals, denials and disagreements (acceptance goes without saying)."""
    from ..check.answers import classify  # only runs with --server get here

    if server.error:
        return [f"server: no answer: {server.error}"]
    lines = []
    if not server.permitted:
        why = f" ({server.permission})" if server.permission else ""
        lines.append(f"server: {server.identity} may not create it{why}")
    for part, answer in (("object", server.object), ("pods", server.pods)):
        if answer is not None and answer.outcome != "accepted":
            who = f" (asked as {answer.as_user})" if answer.as_user else ""
            lines.append(f"server, {part}{who}: {classify(answer).describe()}: {answer.message}")
    lines += [f"DISAGREES: {d}" for d in server.disagreements]
    lines += [f"NOT COMPARABLE: {n.partition(', not what Pod Security')[0]}" for n in server.not_comparable]
    return lines
