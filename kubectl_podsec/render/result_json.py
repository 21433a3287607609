"""A result's line of `-o json`, written directly: the text of
`json.dumps(result.to_dict(), ensure_ascii=False)`, for about a third of its CPU.

`to_dict` builds a dozen dicts a result, which the encoder then walks, and most
of a line is the same from result to result (an evaluation's mode, level and
versions). Here each value is written as its `to_dict` part would be encoded,
strings by the encoder's own function; a value of a type not expected here (a
name that is not a str, an int subclass) raises TypeError, and the line is then
the encoder's, of `to_dict`. The parts with their own dicts (a PodSecurityPolicy
verdict, the server's, validation errors) are encoded from them.
tests/unit/test_result_json.py compares the two on every kind of result.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string  # the C function json.dumps uses, where built

from ..admission.verdicts import ModeEvaluation
from ..check.report import ObjectRef, Result
from ..manifests import Source
from ..validation import Validation

_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)
# An evaluation's text up to its `allowed`, per (mode, level:version, resolved version):
# a few per namespace policy; past the bound the memo starts over.
_HEADS: dict[tuple[object, ...], str] = {}
_HEADS_KEPT = 1024


def result_line(result: Result) -> str:
    """The result as one line of JSON, as json.dumps writes its `to_dict()`."""
    try:
        return _written(result)
    except TypeError:  # a value of another type than the report's: the encoder's text
        return _encode(result.to_dict())


def _written(result: Result) -> str:
    adm = result.admission
    pods_allowed = adm.pods_allowed
    evaluations = ", ".join([_evaluation(e) for e in adm.evaluations])
    line = (f'{{"source": {_source(result.source)}, "object": {_object(result.object)}, '
            f'"policySource": {_string(result.policy.source)}, "verdict": {_string(result.verdict._value_)}, '
            f'"evaluations": [{evaluations}], "objectAllowed": {_bool(pods_allowed if adm.is_pod else True)}, '
            f'"podsAllowed": {_bool(pods_allowed)}')
    if adm.exempt:
        line += f', "exempt": {_string(adm.exempt)}'
    if adm.object_exempt != adm.exempt:
        line += f', "objectExempt": {_optional(adm.object_exempt)}'
    if warnings := result.warnings:
        line += f', "warnings": [{", ".join([_string(w) for w in warnings])}]'
    if result.policy.label_errors:
        line += f', "labelErrors": [{", ".join([_string(str(e)) for e in result.policy.label_errors])}]'
    if result.psp is not None:
        line += f', "psp": {_encode(result.psp.to_dict())}'
    if result.server is not None:
        line += f', "server": {_encode(result.server.to_dict())}'
    if result.validation is not None:
        line += f', "validation": {_validation(result.validation)}'
    return line + "}"


def _source(source: Source | None) -> str:
    if source is None:
        return '{"cluster": true}'
    item = "" if source.item is None else f', "item": {_int(source.item)}'
    return (f'{{"file": {_string(source.file)}, "document": {_int(source.document)}, '
            f'"line": {_int(source.line)}{item}}}')


def _object(ref: ObjectRef) -> str:
    namespace = "" if ref.namespace is None else f'"namespace": {_string(ref.namespace)}, '
    return (f'{{"apiVersion": {_string(ref.api_version)}, "kind": {_string(ref.kind)}, '
            f'{namespace}"name": {_string(ref.name)}}}')


def _evaluation(e: ModeEvaluation) -> str:
    ev = e.evaluation
    if ev is None:  # the mode's policy cannot be known (report.py _evaluation)
        return (f'{{"mode": {_string(e.mode._value_)}, "level": null, "version": null, "resolvedVersion": null, '
                f'"allowed": null, "unknown": {_optional(e.unknown)}, "appliesToObject": '
                f'{_bool(e.applies_to_object)}, "message": null, "violations": []}}')
    key = (e.mode, ev.level_version, ev.resolved)
    head = _HEADS.get(key)
    if head is None:
        if len(_HEADS) >= _HEADS_KEPT:
            _HEADS.clear()
        lv = ev.level_version
        head = _HEADS[key] = (
            f'{{"mode": {_string(e.mode._value_)}, "level": {_string(lv.level._value_)}, '
            f'"version": {_string(str(lv.version))}, "resolvedVersion": {_string(str(ev.resolved))}, "allowed": ')
    violations = ", ".join([f'{{"check": {_string(v.check)}, "reason": {_string(v.reason)}, '
                            f'"detail": {_string(v.detail)}}}' for v in ev.violations])
    mutated = ', "pspMutated": true' if e.mutated else ""
    return (f'{head}{_bool(ev.allowed)}, "appliesToObject": {_bool(e.applies_to_object)}{mutated}, '
            f'"message": {_optional(e.message)}, "violations": [{violations}]}}')


def _validation(validation: Validation) -> str:
    if validation.errors or validation.doubts:
        return _encode(validation.to_dict())
    return f'{{"valid": {_bool(validation.valid)}, "message": {_optional(validation.message)}, "errors": []}}'


def _bool(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    raise TypeError(f"not a bool: {type(value).__name__}")


def _optional(text: str | None) -> str:
    return "null" if text is None else _string(text)


def _int(value: object) -> str:
    if type(value) is not int:
        raise TypeError(f"not an int: {type(value).__name__}")
    return str(value)
