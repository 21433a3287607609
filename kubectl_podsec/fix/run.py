"""One `fix` run: which level each object must pass, and the files fixed.

With `--level`, every object must pass that level. Without it, an object
must pass its namespace's enforce policy, from a Namespace object in the
input, else (with --server) the namespace in the cluster, else
`--namespace-labels`, as `check` resolves it; a namespace with none of
these gets the built-in default, privileged, which needs no fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..admission.config import DEFAULT_CONFIG
from ..admission.labels import policy_from_labels, warn_follows_enforce
from ..admission.verdicts import invalid_namespace_message
from ..errors import InputError
from ..manifests import Input, input_namespaces as namespace_objects, open_input, shorten
from ..pss import Evaluator, LevelVersion
from .files import FileFix, Fixer
from .plan import Target


@dataclass(frozen=True)
class Request:
    level: LevelVersion | None
    also: tuple[str, ...]
    default_namespace: str = "default"
    server_minor: int | None = None
    assumed_labels: Mapping[str, str] | None = None
    # namespace -> its labels in the cluster (None: no such namespace), with --server
    cluster_labels: Callable[[str], Mapping[str, str] | None] | None = None


class Targets:
    """Namespace -> the Target its objects must pass."""

    def __init__(self, request: Request, namespace_labels: Mapping[str, Mapping[str, str]]) -> None:
        self.request = request
        self.evaluator = Evaluator(request.server_minor)
        self.namespace_labels = namespace_labels
        self._cache: dict[str, Target] = {}

    def __call__(self, namespace: str) -> Target:
        if namespace not in self._cache:
            self._cache[namespace] = Target(self._level(namespace), self.evaluator, self.request.server_minor)
        return self._cache[namespace]

    def _level(self, namespace: str) -> LevelVersion:
        if self.request.level is not None:
            return self.request.level
        labels = self.namespace_labels.get(namespace)
        if labels is None and self.request.cluster_labels is not None:
            labels = self.request.cluster_labels(namespace)
        labels = self.request.assumed_labels if labels is None else labels
        if labels is None:
            return DEFAULT_CONFIG.defaults.enforce
        policy, _ = policy_from_labels(labels, DEFAULT_CONFIG.defaults,
                                       warn_follows_enforce(self.request.server_minor))
        return policy.enforce


def input_namespaces(inputs: list[Input]) -> tuple[dict[str, dict[str, str]], list[InputError]]:
    """The labels of the Namespace objects in the input; invalid ones as errors."""
    found: dict[str, dict[str, str]] = {}
    errors = []
    for item in inputs:
        for ns in namespace_objects(item):
            meta = ns.get("metadata") or {}
            name, labels = str(meta.get("name") or ""), meta.get("labels") or {}
            if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
                errors.append(InputError(f"{item.display}: Namespace {shorten(name)}", "labels must be strings"))
                continue
            _, label_errors = policy_from_labels(labels, DEFAULT_CONFIG.defaults)
            if label_errors:
                errors.append(InputError(item.display, invalid_namespace_message(
                    shorten(name), [str(e) for e in label_errors])))
            found[name] = labels
    return found, errors


def fix_files(inputs: list[Input], request: Request,
              tick: Callable[[], None] = lambda: None) -> Iterator[FileFix]:
    """Each input file, fixed (in memory); `tick` once per document."""
    labels: dict[str, dict[str, str]] = {}
    if request.level is None:
        labels, errors = input_namespaces(inputs)
        if errors:
            raise errors[0]
    fixer = Fixer(Targets(request, labels), request.also, request.default_namespace, tick)
    for item in inputs:
        yield fixer.fix_text(item.display, item.path, _read(item))


def _read(item: Input) -> str:
    """The text exactly as stored: line ends are not translated."""
    if item.problem is not None:
        raise InputError(item.display, item.problem)
    try:
        with open_input(item) as f:
            return f.read().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(item.display, f"not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise InputError(item.display, err.strerror or str(err)) from None
