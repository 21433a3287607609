"""Writing rollout steps, safely: may the identity patch each namespace (a
SelfSubjectAccessReview, before anything), what does the server say about
each change (a dry-run patch, its warnings kept), then one preconditioned
merge patch per namespace, in turn.

A patch changes the namespace's labels and history in one update, so a
namespace is always wholly at its old or its new stage. Every patch carries
the resourceVersion it was planned from; when an answer is lost or refused,
the namespace is read back to learn which: written (by this run), untouched
(written again, safely: the precondition still guards it), or changed by
someone else (reported and re-planned, never overwritten).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..kube.client import NOT_SENT, ApiError, Cluster
from ..kube.reviews import warning_text
from ..kube.transport import RETRY_STATUS
from ..errors import ClusterError
from .steps import Outcome, Step, as_planned, rebased, written, StepResult

WORKERS = 8
MAX_WRITES = 3  # attempts per namespace (each preconditioned)
SETTLE_TIMEOUT = 3.0  # seconds to read back the namespace in flight after Ctrl-C

# Called with the namespace's name just before each write: tests use it to
# change the namespace between planning and writing.
before_write: Callable[[str], None] | None = None


class Unknown(Exception):
    """A namespace whose outcome cannot be read back (the run goes on)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


class Lost(Exception):
    """The server is gone: this namespace's outcome, and the error."""

    def __init__(self, outcome: Outcome, error: ApiError) -> None:
        super().__init__(str(error))
        self.outcome, self.error = outcome, error


class Writer:
    def __init__(self, cluster: Cluster, log: Callable[[str], None],
                 replan: Callable[[dict[str, Any]], Step]) -> None:
        self.cluster = cluster
        self.log = log
        self.replan = replan

    # --- before anything is written ---------------------------------------------

    def check_access(self, names: list[str], who: str) -> None:
        """ClusterError (exit 3) unless the identity may patch every namespace."""
        if not names:
            return
        if len(names) > 1 and self.cluster.access({"verb": "patch", "resource": "namespaces"}).allowed:
            return
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            answers = list(pool.map(lambda n: self.cluster.access(
                {"verb": "patch", "resource": "namespaces", "namespace": n, "name": n}), names))
        denied = [n for n, a in zip(names, answers) if not a.allowed]
        if denied:
            shown = ", ".join(denied[:10]) + (f" and {len(denied) - 10} more" if len(denied) > 10 else "")
            reason = next((a.reason or a.error for a in answers if not a.allowed and (a.reason or a.error)), "")
            raise ClusterError(f'forbidden: {who} may not patch namespace{"s" if len(denied) > 1 else ""} '
                               f"{shown}{f' ({reason})' if reason else ''}; nothing was changed")

    def dry_run(self, steps: list[Step]) -> list[tuple[Step, tuple[str, ...]]]:
        """The server's own dry run of each change (several at a time): the
        step (re-planned if the namespace changed meanwhile) and its warnings."""
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            return list(pool.map(self._dry_run, steps))

    def _dry_run(self, step: Step) -> tuple[Step, tuple[str, ...]]:
        for _ in range(MAX_WRITES):
            if step.patch is None or step.refused:
                return step, ()
            response = self.cluster.patch_namespace(step.namespace, step.patch, dry_run=True)
            if 200 <= response.status < 300:
                return step, tuple(warning_text(w) for w in response.warnings)
            if response.status != 409:
                raise self.cluster.fail("PATCH", f"namespaces/{step.namespace} (dry run)", response)
            step = self.replan(self.cluster.namespace_object(step.namespace))
        raise ClusterError(f'namespace "{step.namespace}" keeps changing; nothing was changed')

    # --- writing ----------------------------------------------------------------

    def write_all(self, outcomes: list[Outcome]) -> tuple[list[Outcome], ApiError | None, bool]:
        """Write each step in turn. Returns every outcome, the error that lost
        the server (if any) and whether the run was interrupted (Ctrl-C); the
        namespaces not reached are `not-started`, at their old stage."""
        done: list[Outcome] = []
        for i, outcome in enumerate(outcomes):
            if outcome.result != StepResult.PENDING:
                done.append(outcome)
                continue
            try:
                done.append(self.write(outcome))
            except Unknown as unknown:
                done.append(unknown.outcome)
            except Lost as lost:
                done.append(lost.outcome)
                return done + _not_started(outcomes[i + 1:]), lost.error, False
            except KeyboardInterrupt:
                done.append(self._settle(outcome))
                return done + _not_started(outcomes[i + 1:]), None, True
        return done, None, False

    def write(self, outcome: Outcome) -> Outcome:
        step = outcome.step
        for _ in range(MAX_WRITES):
            assert step.patch is not None
            if before_write is not None:
                before_write(step.namespace)
            try:
                response = self.cluster.patch_namespace(step.namespace, step.patch)
            except ApiError as err:  # no answer: it may or may not have been applied
                namespace = self._read_back(outcome._replace(step=step), err)
            else:
                if 200 <= response.status < 300:
                    return self._applied(outcome._replace(step=step))
                if response.status != 409 and response.status not in RETRY_STATUS:
                    error = self.cluster.fail("PATCH", f"namespaces/{step.namespace}", response)
                    return outcome._replace(step=step, result=StepResult.FAILED, message=str(error))
                namespace = self._read_back(outcome._replace(step=step), None)
            if written(namespace, step):
                return self._applied(outcome._replace(step=step))
            if not as_planned(namespace, step):
                return self._conflict(outcome._replace(step=step), namespace)
            step = rebased(step, namespace)  # only something else changed: the step still holds
        return outcome._replace(step=step, result=StepResult.FAILED,
                                message=f"not written after {MAX_WRITES} attempts")

    def _applied(self, outcome: Outcome) -> Outcome:
        step = outcome.step
        self.log(f'namespace "{step.namespace}": {step.stage_before.mode} -> {step.stage_after.mode} '
                 f"({step.level.value}:{step.version}): applied")
        return outcome._replace(result=StepResult.APPLIED)

    def _conflict(self, outcome: Outcome, namespace: dict[str, Any]) -> Outcome:
        step = outcome.step
        message = (f"changed by someone else since it was planned (resourceVersion "
                   f"{step.resource_version} -> {(namespace.get('metadata') or {}).get('resourceVersion')}): "
                   "not overwritten; run again to apply the re-planned step")
        self.log(f'namespace "{step.namespace}": {message}')
        return outcome._replace(result=StepResult.CONFLICT, message=message, replanned=self.replan(namespace))

    def _read_back(self, outcome: Outcome, lost: ApiError | None) -> dict[str, Any]:
        """The namespace as it is now; Lost when the server cannot say, Unknown
        when it refuses to."""
        try:
            return self.cluster.namespace_object(outcome.step.namespace)
        except ApiError as err:
            if not err.fatal:
                raise Unknown(outcome._replace(result=StepResult.UNKNOWN, message=(
                    f"cannot read it back to learn whether it was written ({err}); "
                    "`rollout status` or a re-run will tell"))) from None
            if lost is not None and lost.reason == NOT_SENT:
                result, message = StepResult.NOT_WRITTEN, f"at its old stage: the server could not be reached ({lost})"
            else:
                result, message = StepResult.UNKNOWN, ("wholly at its old or its new stage, the server cannot say "
                                              f"which now ({err}); `rollout status` or a re-run will tell")
            raise Lost(outcome._replace(result=result, message=message), lost or err) from None

    def _settle(self, outcome: Outcome) -> Outcome:
        """After Ctrl-C during a write: read the namespace back, briefly."""
        try:
            namespace = self.cluster.limited(SETTLE_TIMEOUT, 1).namespace_object(outcome.step.namespace)
        except (ApiError, KeyboardInterrupt):
            return outcome._replace(result=StepResult.UNKNOWN, message="interrupted while writing: wholly at its old "
                                    "or its new stage; `rollout status` or a re-run will tell")
        if written(namespace, outcome.step):
            return outcome._replace(result=StepResult.APPLIED, message="applied as the run was interrupted")
        return outcome._replace(result=StepResult.NOT_WRITTEN, message="interrupted before it was written")


def _not_started(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [o._replace(result=StepResult.NOT_STARTED, message="at its old stage: the run stopped before it")
            if o.result == StepResult.PENDING else o for o in outcomes]
