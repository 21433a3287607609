"""No input makes the engine fail with anything but its documented ``PspInputError``."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_podsec.psp import Grants, PspInputError, find_drift, map_policy, simulate
from tests.psp.generators import Generator

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**64, 2**64) | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, prefix + (i,))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    document = copy.deepcopy(document)
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), which=st.integers(0, 10_000), junk=JSON)
def test_any_field_of_any_type(seed: int, which: int, junk: Any) -> None:
    generator = Generator(seed)
    policy, pod = generator.policy("p"), generator.pod()
    pod_paths, policy_paths = _paths(pod), _paths(policy)
    if which % 2:
        pod = _replace(pod, pod_paths[which % len(pod_paths)], junk)
    else:
        policy = _replace(policy, policy_paths[which % len(policy_paths)], junk)
    for call in (lambda: simulate(pod, [policy], Grants(user={"*"})),
                 lambda: map_policy(policy),
                 lambda: find_drift(pod, pod)):
        try:
            call()
        except PspInputError:
            pass
