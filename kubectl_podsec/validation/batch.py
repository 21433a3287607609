"""ValidateJobCreate and ValidateCronJobCreate (batch/validation, v1.37), for Jobs whose selector
the API server generates."""

from __future__ import annotations

import re

from . import formats
from .field import FieldError, go_json, invalid, not_supported, required
from .metadata import object_meta
from .podspec import template_spec
from .source import Json, Reader
from .workloads import nonnegative

_JOB_KEYS = ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
             "template", "suspend", "completionMode", "manualSelector", "selector")
_GENERATED_LABELS = ("controller-uid", "job-name", "batch.kubernetes.io/controller-uid",
                     "batch.kubernetes.io/job-name")
# Five plain cron fields: numbers, ranges, lists, steps and `*` (anything else is not modelled).
_CRON_FIELD = r"(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?)*"
# A pattern, compiled (and cached by `re`) on the first CronJob: most runs see none.
_CRON = rf"^{_CRON_FIELD}( {_CRON_FIELD}){{4}}$"
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def job(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    meta = r.obj(obj, "metadata", "") or {}
    spec = r.obj(obj, "spec", "") or {}
    name = r.string(meta, "name", "metadata")
    template = r.obj(spec, "template", "spec") or {}
    labels = (r.obj(template, "metadata", "spec.template") or {}).get("labels") or {}
    if spec.get("selector") is not None or spec.get("manualSelector") is not None or \
            any(k in labels for k in _GENERATED_LABELS) or len(name) > 63:
        # The generated selector and labels (and their value, the name) are not modelled.
        r.doubt("spec.selector: only generated selectors are modelled")
    template_meta = r.obj(template, "metadata", "spec.template") or {}
    if not meta.get("labels") and template_meta.get("labels") is not None:
        meta = {**meta, "labels": template_meta["labels"]}  # SetDefaults_Job
    errs = object_meta(r, meta, formats.dns1123_subdomain)
    return errs + job_spec(r, spec, "spec")


def job_spec(r: Reader, spec: Json, path: str) -> list[FieldError]:
    """validateJobSpec for non-indexed Jobs without failure or success policies."""
    r.only(spec, _JOB_KEYS, path)
    errs: list[FieldError] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        errs += nonnegative(r, spec, key, path, bits=64 if key == "activeDeadlineSeconds" else 32)
    if r.string(spec, "completionMode", path) not in ("", "NonIndexed"):
        r.doubt(f"{path}.completionMode: only NonIndexed is modelled")
    template = r.obj(spec, "template", path) or {}
    errs += template_spec(r, template, f"{path}.template")
    policy = r.string(r.obj(template, "spec", f"{path}.template") or {}, "restartPolicy", f"{path}.template.spec")
    if policy in ("", "Always"):
        errs.append(required(f"{path}.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
    elif policy not in ("OnFailure", "Never"):
        errs.append(not_supported(f"{path}.template.spec.restartPolicy", go_json(policy), ("OnFailure", "Never")))
    return errs


def cron_job(r: Reader, obj: Json) -> list[FieldError]:
    r.only(obj, ("apiVersion", "kind", "metadata", "spec", "status"), "")
    meta = r.obj(obj, "metadata", "") or {}
    spec = r.obj(obj, "spec", "") or {}
    r.only(spec, ("schedule", "startingDeadlineSeconds", "concurrencyPolicy", "suspend", "jobTemplate",
                  "successfulJobsHistoryLimit", "failedJobsHistoryLimit"), "spec")
    errs = object_meta(r, meta, formats.dns1123_subdomain)
    if not _plain_schedule(r.string(spec, "schedule", "spec")):
        r.doubt("spec.schedule: only plain five-field schedules are modelled")
    errs += nonnegative(r, spec, "startingDeadlineSeconds", "spec", bits=64)
    policy = r.string(spec, "concurrencyPolicy", "spec") or "Allow"
    if policy not in ("Allow", "Forbid", "Replace"):
        errs.append(not_supported("spec.concurrencyPolicy", go_json(policy), ("Allow", "Forbid", "Replace")))
    job_template = r.obj(spec, "jobTemplate", "spec") or {}
    r.only(job_template, ("metadata", "spec"), "spec.jobTemplate")
    job_template_spec = r.obj(job_template, "spec", "spec.jobTemplate") or {}
    if job_template_spec.get("selector") is not None or job_template_spec.get("manualSelector") is not None:
        r.doubt("spec.jobTemplate.spec.selector: not modelled")
    errs += job_spec(r, job_template_spec, "spec.jobTemplate.spec")
    errs += nonnegative(r, spec, "successfulJobsHistoryLimit", "spec", default=3)
    errs += nonnegative(r, spec, "failedJobsHistoryLimit", "spec", default=1)
    name = r.string(meta, "name", "metadata")
    if len(name) > 52:
        errs.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    return errs


def _plain_schedule(schedule: str) -> bool:
    if not re.match(_CRON, schedule):
        return False
    for text, (lo, hi) in zip(schedule.split(" "), _CRON_RANGES):
        numbers = [int(n) for n in re.findall(r"[0-9]+", re.sub(r"/[0-9]+", "", text))]
        steps = [int(s) for s in re.findall(r"/([0-9]+)", text)]
        if any(not lo <= n <= hi for n in numbers) or any(s == 0 for s in steps):
            return False
    return True
