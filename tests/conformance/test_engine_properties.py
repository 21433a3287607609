"""Properties of the engine on input no schema vouches for.

Manifests arrive as arbitrary YAML, so `evaluate` must never raise, whatever the JSON types of
metadata and spec: a wrong-typed field may count for or against the pod, but it is no crash.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from podgen import PodGenerator

from kubectl_podsec.pss import InvalidPodSpec, LevelVersion, evaluate
from kubectl_podsec.pss.checked_view import checked_pod_metadata, checked_pod_spec
from kubectl_podsec.pss.fast_view import Unusual, fast_pod_metadata, fast_pod_spec

EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every key a check reads, so random documents reach the checks and not only their entry points.
FIELD_NAMES = (
    "annotations", "initContainers", "containers", "ephemeralContainers", "name", "securityContext",
    "privileged", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "capabilities", "add", "drop",
    "volumes", "hostPath", "emptyDir", "configMap", "nfs", "ports", "hostPort", "livenessProbe",
    "readinessProbe", "startupProbe", "lifecycle", "postStart", "preStop", "httpGet", "tcpSocket", "host",
    "procMount", "seLinuxOptions", "type", "user", "role", "seccompProfile", "appArmorProfile",
    "sysctls", "windowsOptions", "hostProcess", "allowPrivilegeEscalation", "runAsNonRoot", "runAsUser",
    "os", "seccomp.security.alpha.kubernetes.io/pod", "container.apparmor.security.beta.kubernetes.io/a",
)  # fmt: skip

LEVEL_VERSIONS = st.builds(
    LevelVersion.parse,
    st.sampled_from(("privileged", "baseline", "restricted")),
    st.sampled_from((*(f"v1.{minor}" for minor in range(38)), "v1.99", "latest")),
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
KEYS = st.sampled_from(FIELD_NAMES) | st.text(max_size=6)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=30,
)
DOCUMENTS = st.dictionaries(KEYS, JSON, max_size=6)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value below node, as dict keys and list indexes."""
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    else:
        return []
    paths = []
    for key, child in children:
        paths += [(*path, key), *_paths(child, (*path, key))]
    return paths


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@st.composite
def mangled_pods(draw: st.DrawFn) -> dict[str, Any]:
    """A generated pod with up to three of its values (at any depth) replaced by arbitrary JSON."""
    pod = PodGenerator(draw(st.integers(0, 2**32))).pod(0)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(pod["metadata"], ("metadata",)) + _paths(pod["spec"], ("spec",))
        _replace(pod, draw(st.sampled_from(paths)), draw(JSON))
    return pod


def _assert_well_formed(lv: LevelVersion, metadata: dict[str, Any], spec: dict[str, Any]) -> None:
    # A field of the wrong JSON type is rejected, as the API server's decoder
    # rejects it: with InvalidPodSpec naming the field, and nothing else.
    try:
        result = evaluate(lv, metadata, spec)
    except InvalidPodSpec as err:
        assert str(err).startswith(("metadata", "spec")) and ": expected " in str(err)
        return
    assert isinstance(result.allowed, bool)
    assert result.allowed == (result.forbidden_reason == "") == (result.forbidden_detail == "")
    assert result.allowed == (not result.violations)


@EXAMPLES
@given(lv=LEVEL_VERSIONS, metadata=DOCUMENTS, spec=DOCUMENTS)
def test_arbitrary_documents_never_raise(lv: LevelVersion, metadata: dict[str, Any], spec: dict[str, Any]) -> None:
    _assert_well_formed(lv, metadata, spec)


@EXAMPLES
@given(lv=LEVEL_VERSIONS, pod=mangled_pods())
def test_mangled_pods_never_raise(lv: LevelVersion, pod: dict[str, Any]) -> None:
    _assert_well_formed(lv, pod["metadata"], pod["spec"])


def _same_view(metadata: Any, spec: Any) -> None:
    """The fast reader either leaves a pod to the checked reader or reads it exactly as that one does."""
    for fast, checked, value in ((fast_pod_metadata, checked_pod_metadata, metadata),
                                 (fast_pod_spec, checked_pod_spec, spec)):
        try:
            quick = fast(value)
        except Unusual:
            continue
        assert quick == checked(value)
        assert type(quick) is type(checked(value))


@EXAMPLES
@given(metadata=DOCUMENTS, spec=DOCUMENTS)
def test_fast_view_of_arbitrary_documents(metadata: dict[str, Any], spec: dict[str, Any]) -> None:
    _same_view(metadata, spec)


@EXAMPLES
@given(pod=mangled_pods())
def test_fast_view_of_mangled_pods(pod: dict[str, Any]) -> None:
    _same_view(pod["metadata"], pod["spec"])


def test_fast_view_of_generated_pods() -> None:
    generator = PodGenerator(7)
    fast = 0
    for i in range(3000):
        pod = generator.pod(i)
        _same_view(pod["metadata"], pod["spec"])
        try:
            fast_pod_spec(pod["spec"])
            fast += 1
        except Unusual:
            pass
    assert fast > 1500  # the fast reader reads most of them


def test_a_volume_with_several_wrong_sources_names_the_first_the_server_reads() -> None:
    """Keys are read in sorted order (kubectl sends JSON that Go wrote from a map), so the
    first wrong source named is the same on every run, whatever the hash seed."""
    sources = ("secret", "configMap", "hostPath", "emptyDir", "nfs", "projected", "downwardAPI", "csi")
    volume: dict[str, Any] = {"name": "v", **{key: 1 for key in sources}}
    try:
        checked_pod_spec({"containers": [{"name": "c", "image": "i"}], "volumes": [volume]})
    except InvalidPodSpec as err:
        assert str(err).startswith("spec.volumes[0].configMap:"), str(err)
    else:
        raise AssertionError("a number is not a volume source")
