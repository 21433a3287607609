"""The admission pipeline of `check` (pure): one object in, its `Result` (or
`Skipped`) out, under its namespace's policy or one `--level`, and with
PodSecurityPolicies where they are in play."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..admission import seccomp_skew
from ..admission.controller_pods import controller_pod
from ..admission.labels import Mode
from ..admission.policy import PolicyChoice, PolicyResolver
from ..admission.verdicts import Admission, admit, check_level, default_template
from ..admission.workloads import PodTemplate, TemplateError, carries_pod_spec, pod_template
from ..errors import InputError
from ..manifests import Source
from ..pss import Evaluator, InvalidPodSpec, LevelVersion
from ..validation import SERVER_MINOR as VALIDATION_MINOR, Validation, validate
from .report import ObjectRef, PspCheck, Result, Skipped

_NAME_KEYS = ("name", "generateName", "namespace")


def _names_are_strings(meta: Mapping[str, Any]) -> bool:
    for key in _NAME_KEYS:
        value = meta.get(key)
        if value and not isinstance(value, str):  # null, "" and the like read as absent
            return False
    return True


class Checker:
    """Checks one object at a time against its namespace's policy, or `level`;
    with `psp`, also under PodSecurityPolicies."""

    def __init__(self, evaluator: Evaluator, resolver: PolicyResolver,
                 default_namespace: str = "default", level: LevelVersion | None = None,
                 username: str | None = None, psp: PspCheck | None = None) -> None:
        self.evaluator = evaluator
        self.resolver = resolver
        self.default_namespace = default_namespace
        self.level = level
        self.username = username
        self.psp = psp
        self._level_choice = None if level is None else PolicyChoice(None, f"--level {level}")
        # Per namespace policy (the resolver keeps one choice object per namespace): its label
        # errors as text and its unknown modes with the reason, worked out once. Keyed by id,
        # with the choice kept in the value so the id stays its own.
        self._choice_texts: dict[int, tuple[PolicyChoice, tuple[str, ...], dict[Mode, str]]] = {}

    def check(self, obj: Mapping[str, Any], source: Source | None) -> Result | Skipped:
        return self._check(obj, source, validated=True)

    def check_many(self, objects: Sequence[tuple[Mapping[str, Any], Source | None]]) -> list[Result | Skipped | InputError]:
        """check() of each (object, source), in order, an object's InputError in its place:
        admission of every object first, then the API server's validation of each. The
        results are check()'s; each pass keeps its code hot in the processor's caches,
        which saves about a sixth of the CPU a pod costs (benchmarks/worker_item.py)."""
        out: list[Result | Skipped | InputError] = []
        for obj, source in objects:
            try:
                out.append(self._check(obj, source, validated=False))
            except InputError as err:
                out.append(err)
        for i, (obj, source) in enumerate(objects):
            item = out[i]
            if type(item) is Result and (validation := self._validation(obj, source)) is not None:
                out[i] = item._replace(validation=validation)
        return out

    def _check(self, obj: Mapping[str, Any], source: Source | None, validated: bool) -> Result | Skipped:
        kind, api_version = str(obj.get("kind")), str(obj.get("apiVersion"))
        meta = obj.get("metadata") or {}
        if not isinstance(meta, dict) or not _names_are_strings(meta):
            raise InputError(f"{kind}", "metadata: name and namespace must be strings in an object")
        namespaced = kind != "Namespace" and not kind.startswith("Cluster")
        namespace = (meta.get("namespace") or self.default_namespace) if namespaced else None
        ref = ObjectRef.of(obj, namespace)
        if not carries_pod_spec(kind, api_version):
            return Skipped(source, ref, f"{kind} carries no pod spec")
        try:
            template = pod_template(obj)
            if template is None:
                return Skipped(source, ref, f"{kind} has no pod template")
            is_pod = kind == "Pod"
            minor = self.resolver.server_minor
            template = default_template(template, is_pod=is_pod, server_minor=minor)
            pods_username: str | None = None
            if is_pod:  # the Pod as the server's create strategy leaves it
                template, created = seccomp_skew.apply(template, minor), None
            else:  # the pods its controller creates, as their creator
                created, pods_username = self._pods(obj, str(namespace), template)
            admission, choice = self._admit(template, is_pod, str(namespace), created=created,
                                            pods_username=pods_username)
        except (TemplateError, InvalidPodSpec) as err:
            raise InputError(ref.describe(), str(err)) from None
        result = Result(source, ref, admission, choice, validation=self._validation(obj, source) if validated else None)
        if self.psp is None:
            return result
        return self._under_psp(self.psp, obj, template, result, pods_username)

    def _pods(self, obj: Mapping[str, Any], namespace: str,
              template: PodTemplate) -> tuple[PodTemplate | None, str | None]:
        """A workload's pod as admission sees it (None where it is the template as it
        stands) and who creates it. A PodTemplate has no controller: its pods are taken
        to be the template's, created by the requester, after the create strategy."""
        minor = self.resolver.server_minor
        made = controller_pod(obj, namespace)
        if made is None:
            synced = seccomp_skew.apply(template, minor)
            return (None if synced is template else synced), None
        pod = made.admitted(minor)
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        if spec == template.spec and meta.get("annotations") == template.metadata.get("annotations"):
            return None, made.username  # evaluated once for every mode
        return PodTemplate(meta, spec, template.path), made.username

    def _validation(self, obj: Mapping[str, Any], source: Source | None) -> Validation | None:
        """The API server's own validation, which runs before Pod Security: for
        objects from files (those read from a cluster exist, so passed it), when
        the target server's rules are the ones modelled. A server that runs
        PodSecurityPolicy is 1.24 or older: its rules are not those."""
        minor = self.resolver.server_minor
        if source is None or self.psp is not None or (minor is not None and minor < VALIDATION_MINOR):
            return None
        return validate(obj)

    def _under_psp(self, psp: PspCheck, obj: Mapping[str, Any], template: PodTemplate,
                   result: Result, pods_username: str | None) -> Result:
        """The result with its PodSecurityPolicy verdict. PodSecurityPolicy admits in
        the mutating phase, Pod Security in the validating one: when the chosen
        policy changes the pod, Pod Security evaluates the changed pod."""
        ref, namespace = result.object, str(result.object.namespace)
        try:
            verdict = psp(obj, namespace)
            if verdict is None or verdict.pod is None:
                return result._replace(psp=verdict)
            pod = verdict.pod
            # a server that runs PodSecurityPolicy is 1.24 or older
            minor = self.resolver.server_minor
            minor = seccomp_skew.BOTH_WAYS_UNTIL if minor is None else minor
            mutated = default_template(PodTemplate(pod.get("metadata") or {}, pod.get("spec") or {},
                                                   template.path), is_pod=True, server_minor=minor)
            mutated = seccomp_skew.apply(mutated, minor)  # then the create strategy
            admission, choice = self._admit(template, ref.kind == "Pod", namespace, mutated,
                                            pods_username=pods_username)
            result = Result(result.source, ref, admission, choice)
        except InputError as err:  # a pod the PodSecurityPolicy engine cannot decode
            raise InputError(ref.describe(), err.message) from None
        except InvalidPodSpec as err:
            raise InputError(ref.describe(), str(err)) from None
        return result._replace(psp=verdict)

    def _admit(self, template: PodTemplate, is_pod: bool, namespace: str, mutated: PodTemplate | None = None,
               created: PodTemplate | None = None,
               pods_username: str | None = None) -> tuple[Admission, PolicyChoice]:
        if self.level is not None and self._level_choice is not None:
            return check_level(template, self.level, self.evaluator, mutated, created), self._level_choice
        choice = self.resolver.choose(namespace)
        assert choice.policy is not None
        texts = self._choice_texts.get(id(choice))
        if texts is None or texts[0] is not choice:
            if len(self._choice_texts) >= 4096:  # namespaces seen; past it the cache starts over
                self._choice_texts.clear()
            texts = self._choice_texts[id(choice)] = (
                choice, tuple(str(e) for e in choice.label_errors), {m: choice.unknown_reason for m in choice.unknown})
        admission = admit(template, is_pod=is_pod, namespace=namespace, policy=choice.policy,
                          config=self.resolver.config, username=self.username, evaluator=self.evaluator,
                          label_errors=texts[1], mutated=mutated, created=created, unknown=texts[2],
                          pods_username=pods_username)
        return admission, choice
