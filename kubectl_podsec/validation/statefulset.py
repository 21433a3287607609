"""ValidateStatefulSet on create (apps/validation, v1.37)."""

from __future__ import annotations

from typing import Any

from . import formats, selectors, strategies
from .field import FieldError, go_json, invalid
from .metadata import annotation_keys, labels, object_meta, pod_annotations
from .podspec import container_names, template_spec
from .source import Json, Reader
from .volumes import claim_spec
from .workloads import _always, _strict_selector, _template_labels, nonnegative

_KEYS = ("replicas", "selector", "template", "volumeClaimTemplates", "serviceName", "podManagementPolicy",
         "minReadySeconds", "revisionHistoryLimit", "updateStrategy", "persistentVolumeClaimRetentionPolicy")


def stateful_set(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    spec = r.obj(obj, "spec", "") or {}
    r.only(spec, _KEYS, "spec")
    errs = object_meta(r, r.obj(obj, "metadata", "") or {}, formats.dns1123_label)
    policy = r.string(spec, "podManagementPolicy", "spec")
    if policy and policy not in ("OrderedReady", "Parallel"):
        errs.append(invalid("spec.podManagementPolicy", go_json(policy), "must be 'OrderedReady' or 'Parallel'"))
    strategies.stateful_set(r, spec)
    claims = r.objs(spec, "volumeClaimTemplates", "spec")
    for i, claim in enumerate(claims):
        r.only(claim, ("apiVersion", "kind", "metadata", "spec"), f"spec.volumeClaimTemplates[{i}]")
        errs += claim_spec(r, r.obj(claim, "spec", "spec") or {}, f"spec.volumeClaimTemplates[{i}].spec")
    errs += nonnegative(r, spec, "replicas", "spec", default=1)
    errs += nonnegative(r, spec, "minReadySeconds", "spec")
    service = r.string(spec, "serviceName", "spec")
    if service:
        errs += [invalid("spec.serviceName", service, m) for m in formats.dns1123_label(service)]
    selector_errs, selector = _strict_selector(r, spec, "spec", "statefulset")
    errs += selector_errs
    template = r.obj(spec, "template", "spec") or {}
    if not selector.ok:
        errs.append(invalid("spec.selector", selectors.as_json(selector), ""))
    else:
        errs += _template(r, _as_validated(r, template, claims), selector)
    return errs + _always(r, template, "spec.template", "StatefulSet")


def _template(r: Reader, template: Json, selector: selectors.Selector) -> list[FieldError]:
    """ValidatePodTemplateSpecForStatefulSet: it checks labels and annotations twice (the
    message shows them once: ToAggregate drops repeated texts)."""
    at = "spec.template"
    present, template_labels = _template_labels(r, template, at)
    errs: list[FieldError] = []
    if not selector.empty and not selector.matches(template_labels):
        errs.append(invalid(f"{at}.metadata.labels", selectors.labels_json(present, template_labels),
                            "`selector` does not match template `labels`"))
    errs += template_spec(r, template, at)
    meta = r.obj(template, "metadata", at) or {}
    notes = r.str_map(meta, "annotations", f"{at}.metadata")
    errs += labels(r, template_labels, f"{at}.labels")
    errs += annotation_keys(r, notes, f"{at}.annotations")
    return errs + pod_annotations(r, notes, container_names(r.obj(template, "spec", at) or {}), f"{at}.annotations")


def _as_validated(r: Reader, template: Json, claims: list[Json]) -> Json:
    """The template as upstream validates it: hostname and subdomain cleared, and a volume for
    each claim template put first (in Go's map order, so several make volume paths uncertain)."""
    out: dict[str, Any] = dict(template)
    if not isinstance(out.get("spec"), dict):
        return out
    spec = out["spec"] = dict(out["spec"])
    for key in ("hostname", "subdomain"):
        r.opt_str(spec, key, "spec.template.spec")  # still decoded, so still type-checked
        spec.pop(key, None)
    if not claims:
        return out
    names: dict[str, None] = {}
    for claim in claims:
        names.setdefault(r.string(r.obj(claim, "metadata", "spec") or {}, "name", "spec.volumeClaimTemplates"))
    if len(names) > 1 and spec.get("volumes"):
        r.doubt("spec.template.spec.volumes: claim template volumes come first in Go's map order")
    own = [v for v in r.objs(spec, "volumes", "spec.template.spec") if v.get("name") not in names]
    spec["volumes"] = [{"name": n, "persistentVolumeClaim": {"claimName": n}} for n in names] + own
    return out
