"""Decoding errors as the v1.37.2 API server words them (texts measured on the real server
or read from sigs.k8s.io/json decode.go; tests/conformance/test_go_decoding.py compares
many more with the Go decoder itself)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_podsec.validation import validate
from kubectl_podsec.validation.decode import Decoding, decode, go_number, walk
from kubectl_podsec.validation.decode_plain import decodes_plainly
from kubectl_podsec.validation.go_types import ROOTS

POD: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": [{"name": "c", "image": "i"}]}}
PREFIX = 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '


def _pod(**spec: Any) -> dict[str, Any]:
    pod = copy.deepcopy(POD)
    pod["spec"].update(spec)
    return pod


def test_nfs_server_bool_measured_on_the_server() -> None:
    result = validate(_pod(volumes=[{"name": "x", "nfs": {"server": False, "path": "/"}}]))
    assert (result.valid, result.errors, result.doubts) == (False, (), ())
    assert result.message == PREFIX + (
        "bool into Go struct field NFSVolumeSource.spec.volumes.VolumeSource.nfs.server of type string")


def test_container_port_bool_measured_on_the_server() -> None:
    result = validate(_pod(containers=[{"name": "c", "image": "i", "ports": [{"containerPort": True}]}]))
    assert result.valid is False
    assert result.message == PREFIX + (
        "bool into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32")


@pytest.mark.parametrize(("value", "word"), [(99999999999, "number 99999999999"), (1.5, "number 1.5"),
                                             (1e21, "number 1e+21"), ("80", "string"), ({}, "object")])
def test_integer_words(value: Any, word: str) -> None:
    pod = _pod(containers=[{"name": "c", "image": "i", "ports": [{"containerPort": value}]}])
    assert decode(pod, "v1", "Pod").error == PREFIX + (
        f"{word} into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32")


def test_pointer_fields_name_the_element_type_and_null_decodes() -> None:
    assert decode(_pod(activeDeadlineSeconds="1"), "v1", "Pod").error == PREFIX + (
        "string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64")
    assert decode(_pod(activeDeadlineSeconds=None, volumes=None), "v1", "Pod").fails is False


def test_named_and_collection_types() -> None:
    assert decode(_pod(restartPolicy=1), "v1", "Pod").error == PREFIX + (
        "number into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy")
    assert decode(_pod(containers={}), "v1", "Pod").error == PREFIX + (
        "object into Go struct field PodSpec.spec.containers of type []v1.Container")
    assert decode(_pod(nodeSelector=[]), "v1", "Pod").error == PREFIX + (
        "array into Go struct field PodSpec.spec.nodeSelector of type map[string]string")


def test_the_first_saved_error_in_sorted_key_order() -> None:
    pod = _pod(hostPID="yes", dnsPolicy=True)
    assert decode(pod, "v1", "Pod").error == PREFIX + (
        "bool into Go struct field PodSpec.spec.dnsPolicy of type v1.DNSPolicy")


def test_an_unmarshaler_error_is_returned_before_a_saved_one() -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {
        "replicas": 1.5, "template": {"spec": {"containers": [
            {"name": "c", "image": "i", "livenessProbe": {"httpGet": {"port": True}}}]}}}}
    assert decode(deployment, "apps/v1", "Deployment").error == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into '
        "Go struct field HTTPGetAction.spec.template.spec.containers.livenessProbe.ProbeHandler.httpGet.port "
        "of type int32")


@pytest.mark.parametrize(("value", "text"), [
    (True, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
    ("1.5.5", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
    ("1mi", "unable to parse quantity's suffix")])
def test_quantity_errors_carry_no_field(value: Any, text: str) -> None:
    result = validate(_pod(containers=[{"name": "c", "image": "i", "resources": {"limits": {"cpu": value}}}]))
    assert (result.valid, result.message) == (False, f'Pod in version "v1" cannot be handled as a Pod: {text}')


def test_quantities_the_model_cannot_parse_are_doubts() -> None:
    for value in ("1e999", "a<b"):
        result = validate(_pod(containers=[{"name": "c", "image": "i", "resources": {"limits": {"cpu": value}}}]))
        assert result.valid is None and result.message is None and result.doubts


def test_go_number_text() -> None:
    assert [go_number(v) for v in (1.5, 1.0, 1e21, 1e-7, 123456789.25, 7)] == [
        "1.5", "1", "1e+21", "1e-7", "123456789.25", "7"]


def test_unknown_fields_fail_as_kubectl_sends_them() -> None:
    pod = _pod(futureField=1, containers=[{"name": "c", "image": "i", "Name": "x"}])
    assert validate(pod).message == (
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: '
        'unknown field "spec.containers[0].Name", unknown field "spec.futureField"')


def test_a_type_error_comes_before_unknown_fields() -> None:
    assert decode(_pod(futureField=1, hostPID=1), "v1", "Pod").error == PREFIX + (
        "number into Go struct field PodSpec.spec.hostPID of type bool")


def test_a_number_kubectl_cannot_send_is_a_doubt() -> None:
    result = decode(_pod(priority=float("nan")), "v1", "Pod")
    assert (result.error, result.fails) == (None, False) and result.doubt == "spec.priority: kubectl cannot write nan as JSON"


# --- the fast answer (decode_plain.py) is the exact walk's -------------------------------

RICH: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "w", "labels": {"app": "a"}, "annotations": {"a": "b"}, "creationTimestamp": None},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "a"}},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
             "template": {"metadata": {"labels": {"app": "a"}}, "spec": {
                 "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                 "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": 1}},
                                 "readinessProbe": {"httpGet": {"port": "http", "path": "/"}, "periodSeconds": 5},
                                 "env": [{"name": "A", "value": "b"},
                                         {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                                 "securityContext": {"runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}}],
                 "volumes": [{"name": "n", "nfs": {"server": "s", "path": "/", "readOnly": True}},
                             {"name": "e", "emptyDir": {"sizeLimit": "1Gi"}}],
                 "tolerations": [{"key": "k", "operator": "Exists", "tolerationSeconds": 30}],
                 "terminationGracePeriodSeconds": 30, "priority": 0, "nodeSelector": {"a": "b"}}}}}
QUANTITIES = ("0", "1", "500m", "1.5Gi", "1e3", "1E", "1Ki ", " 2", "+1", "-1", ".5", "1.", "abc", "",
              "9" * 20, "1e400", "0.000000001m", "1.23456789012345678Gi", "12Mi", "3e-9")
_leaf = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=4)
         | st.sampled_from(QUANTITIES) | st.integers(-(2**33), 2**33))
_values = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(("name", "x", "port", "cpu")), inner, max_size=3),
                       max_leaves=5)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in children:
        out += _places(item, (*path, key))
    return out


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_decodes_plainly_only_where_the_exact_walk_finds_nothing(data: st.DataObject) -> None:
    obj = copy.deepcopy(RICH)
    changes = data.draw(st.integers(0, 3))
    for _ in range(changes):
        path = data.draw(st.sampled_from(_places(obj)))
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            parent[data.draw(st.sampled_from(("extra", "Name", "cpu", "name")))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = data.draw(_values | st.sampled_from((1, True, "1", 1.5, 2**40, [], {})))
    plain = decodes_plainly(obj, ROOTS[("apps/v1", "Deployment")])
    exact = walk(obj, "apps/v1", "Deployment")
    if plain:
        assert exact == Decoding(None, False, None), exact
    if changes == 0:
        assert plain  # a plain manifest takes the fast answer


def test_every_field_of_a_plain_manifest_with_each_wrong_value() -> None:
    """Each place of RICH in turn holds each value below: the fast answer accepts only what
    the exact walk finds nothing in (and accepts RICH itself)."""
    root = ROOTS[("apps/v1", "Deployment")]
    assert decodes_plainly(copy.deepcopy(RICH), root)
    accepted = 0
    for path in _places(RICH):
        for value in (1, -1, 2**31, 2**63, True, "1", "x", 1.5, float("inf"), [], ["a"], [1], {}, {"a": "b"},
                      {"a": 1}, None):
            obj = copy.deepcopy(RICH)
            parent = obj
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = value
            if decodes_plainly(obj, root):
                accepted += 1
                assert walk(obj, "apps/v1", "Deployment") == Decoding(None, False, None), (path, value)
    assert accepted > 77  # null everywhere, and the values of the right type
