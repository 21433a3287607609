"""Each pod-bearing kind's create validation (core, apps/v1 and batch/v1 strategies)."""

from __future__ import annotations

from . import formats, podspec, selectors, strategies
from .field import FieldError, GoJSON, forbidden, go_json, invalid, not_supported, required
from .metadata import object_meta
from .podspec import template_spec
from .source import Json, Reader

NEGATIVE = "must be greater than or equal to 0"


def nonnegative(r: Reader, data: Json, key: str, path: str, default: int = 0, bits: int = 32) -> list[FieldError]:
    value = r.integer(data, key, path, bits=bits)
    value = default if value is None else value
    return [invalid(f"{path}.{key}", value, NEGATIVE)] if value < 0 else []


def _template_labels(r: Reader, template: Json, path: str) -> tuple[bool, dict[str, str]]:
    meta = r.obj(template, "metadata", path) or {}
    return meta.get("labels") is not None, r.str_map(meta, "labels", f"{path}.metadata")


def _selected_template(r: Reader, spec: Json, selector: selectors.Selector, path: str, kind: str,
                       restart: bool = True) -> list[FieldError]:
    """ValidatePodTemplateSpecForReplicaSet and its siblings: match, template, restart policy."""
    template = r.obj(spec, "template", path) or {}
    at = f"{path}.template"
    present, labels = _template_labels(r, template, at)
    errs: list[FieldError] = []
    if not selector.empty and not selector.matches(labels):
        errs.append(invalid(f"{at}.metadata.labels", selectors.labels_json(present, labels),
                            "`selector` does not match template `labels`"))
    errs += template_spec(r, template, at)
    if restart:
        errs += _always(r, template, at, kind)
    return errs


def _always(r: Reader, template: Json, at: str, kind: str) -> list[FieldError]:
    spec = r.obj(template, "spec", at) or {}
    errs: list[FieldError] = []
    policy = r.string(spec, "restartPolicy", f"{at}.spec") or "Always"
    if policy != "Always":
        errs.append(not_supported(f"{at}.spec.restartPolicy", go_json(policy), ("Always",)))
    if spec.get("activeDeadlineSeconds") is not None:
        errs.append(forbidden(f"{at}.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported"))
    return errs


def _strict_selector(r: Reader, spec: Json, path: str, what: str) -> tuple[list[FieldError], selectors.Selector]:
    """The selector checks of Deployments, ReplicaSets and StatefulSets."""
    selector = selectors.read(r, r.obj(spec, "selector", path), f"{path}.selector")
    if not selector.present:
        return [required(f"{path}.selector")], selector
    errs = selectors.validate(r, selector, f"{path}.selector")
    if selector.empty:
        errs.append(invalid(f"{path}.selector", selectors.as_json(selector), f"empty selector is invalid for {what}"))
    return errs, selector


def pod(r: Reader, obj: Json) -> list[FieldError]:
    return podspec.pod_create(r, obj)


def pod_template(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "template"), "")
    errs = object_meta(r, r.obj(obj, "metadata", "") or {}, formats.dns1123_subdomain)
    return errs + template_spec(r, r.obj(obj, "template", "") or {}, "template")


def replica_set(r: Reader, obj: Json, kind: str = "ReplicaSet") -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    spec = r.obj(obj, "spec", "") or {}
    r.only(spec, ("replicas", "minReadySeconds", "selector", "template"), "spec")
    errs = object_meta(r, r.obj(obj, "metadata", "") or {}, formats.dns1123_subdomain)
    errs += nonnegative(r, spec, "replicas", "spec", default=1)
    errs += nonnegative(r, spec, "minReadySeconds", "spec")
    selector_errs, selector = _strict_selector(r, spec, "spec", "deployment")
    errs += selector_errs
    if not selector.ok:
        return errs + [invalid("spec.selector", selectors.as_json(selector), "invalid label selector")]
    return errs + _selected_template(r, spec, selector, "spec", kind)


def deployment(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    spec = r.obj(obj, "spec", "") or {}
    r.only(spec, ("replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit",
                  "progressDeadlineSeconds", "paused"), "spec")
    errs = object_meta(r, r.obj(obj, "metadata", "") or {}, formats.dns1123_subdomain)
    errs += nonnegative(r, spec, "replicas", "spec", default=1)
    selector_errs, selector = _strict_selector(r, spec, "spec", "deployment")
    errs += selector_errs
    if not selector.ok:
        errs.append(invalid("spec.selector", selectors.as_json(selector), "invalid label selector"))
    else:
        errs += _selected_template(r, spec, selector, "spec", "ReplicaSet")
    errs += strategies.deployment(r, r.obj(spec, "strategy", "spec"))
    errs += nonnegative(r, spec, "minReadySeconds", "spec")
    errs += nonnegative(r, spec, "revisionHistoryLimit", "spec", default=10)
    deadline = r.integer(spec, "progressDeadlineSeconds", "spec", bits=32)
    deadline = 600 if deadline is None else deadline
    if deadline < 0:
        errs.append(invalid("spec.progressDeadlineSeconds", deadline, NEGATIVE))
    if deadline <= (r.integer(spec, "minReadySeconds", "spec", bits=32) or 0):
        errs.append(invalid("spec.progressDeadlineSeconds", GoJSON(str(deadline)), "must be greater than minReadySeconds"))
    return errs


def daemon_set(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    spec = r.obj(obj, "spec", "") or {}
    r.only(spec, ("selector", "template", "minReadySeconds", "revisionHistoryLimit", "updateStrategy"), "spec")
    errs = object_meta(r, r.obj(obj, "metadata", "") or {}, formats.dns1123_subdomain)
    selector = selectors.read(r, r.obj(spec, "selector", "spec"), "spec.selector")
    errs += selectors.validate(r, selector, "spec.selector")
    template = r.obj(spec, "template", "spec") or {}
    present, labels = _template_labels(r, template, "spec.template")
    if selector.ok and not selector.matches(labels):
        errs.append(invalid("spec.template.metadata.labels", selectors.labels_json(present, labels),
                            "`selector` does not match template `labels`"))
    if selector.empty:
        errs.append(invalid("spec.selector", selectors.as_json(selector), "empty selector is invalid for daemonset"))
    errs += template_spec(r, template, "spec.template")
    errs += _always(r, template, "spec.template", "DaemonSet")
    errs += nonnegative(r, spec, "minReadySeconds", "spec")
    strategies.daemon_set(r, r.obj(spec, "updateStrategy", "spec"))
    errs += nonnegative(r, spec, "revisionHistoryLimit", "spec", default=10)
    return errs


def replication_controller(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    spec = r.obj(obj, "spec", "") or {}
    r.only(spec, ("replicas", "minReadySeconds", "selector", "template"), "spec")
    meta = dict(r.obj(obj, "metadata", "") or {})
    template = r.obj(spec, "template", "spec")
    present, labels = _template_labels(r, template or {}, "spec.template")
    selector = r.str_map(spec, "selector", "spec") or (labels if present else {})
    if not meta.get("labels") and present:  # SetDefaults_ReplicationController
        meta["labels"] = labels
    # The name, minReadySeconds and replicas rules are declarative here (their errors move).
    name_ok = not formats.dns1123_subdomain(r.string(meta, "name", "metadata"))
    errs = object_meta(r, meta, formats.dns1123_subdomain if name_ok else None, with_generate_name=False)
    if nonnegative(r, spec, "minReadySeconds", "spec") or nonnegative(r, spec, "replicas", "spec", default=1):
        r.doubt("spec: negative counts of a ReplicationController are validated declaratively")
    if not selector:
        errs.append(required("spec.selector"))
    if template is None:
        return errs + [required("spec.template")]
    if selector and any(labels.get(k) != v for k, v in selector.items()):
        errs.append(invalid("spec.template.metadata.labels", selectors.labels_json(present, labels),
                            "`selector` does not match template `labels`"))
    errs += template_spec(r, template, "spec.template")
    return errs + _always(r, template, "spec.template", "ReplicationController")


