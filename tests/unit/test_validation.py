"""Offline validation, table tests: each expected message is the one a v1.37.2 API server
returned for the same object on a dry-run create (None: the server created it)."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from kubectl_podsec.validation import ErrorType, validate
from tests.validation_generator import generate


def C(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "pause", **fields}
def pod(spec: dict[str, Any], ann: dict[str, str] | None = None, name: str = "p") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if ann: meta["annotations"] = ann
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
def deploy(template_labels: dict[str, str], selector: dict[str, Any] | None, spec: dict[str, Any]) -> dict[str, Any]:
    s: dict[str, Any] = {"template": {"metadata": {"labels": template_labels}, "spec": spec}}
    if selector is not None: s["selector"] = selector
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": s}
CASES: dict[str, dict[str, Any]] = {
 "duplicate across init and regular": pod({"initContainers": [C()], "containers": [C()]}),
 "ephemeral containers on create": pod({"containers": [C()], "ephemeralContainers": [{"name": "app", "image": "busybox"}]}),
 "apparmor annotation and field disagree": pod({"containers": [C(securityContext={"appArmorProfile": {"type": "RuntimeDefault"}})]}, ann={"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}),
 "apparmor annotation for no container": pod({"containers": [C()]}, ann={"container.apparmor.security.beta.kubernetes.io/ghost": "foo"}),
 "apparmor localhost without profile": pod({"securityContext": {"appArmorProfile": {"type": "Localhost"}}, "containers": [C()]}),
 "seccomp annotation and field disagree": pod({"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "a"}}, "containers": [C()]}, ann={"seccomp.security.alpha.kubernetes.io/pod": "localhost/b"}),
 "seccomp stray localhost profile": pod({"containers": [C(securityContext={"seccompProfile": {"type": "RuntimeDefault", "localhostProfile": "x"}})]}),
 "unmasked procMount needs hostUsers false": pod({"containers": [C(securityContext={"procMount": "Unmasked"})]}),
 "unmasked procMount with hostUsers false": pod({"hostUsers": False, "containers": [C(securityContext={"procMount": "Unmasked"})]}),
 "hostProcess needs hostNetwork and all containers": pod({"containers": [C(securityContext={"windowsOptions": {"hostProcess": True}}), {"name": "b", "image": "pause"}]}),
 "windows pod fields": pod({"os": {"name": "windows"}, "securityContext": {"runAsUser": 1}, "containers": [C(securityContext={"privileged": False})]}),
 "no escalation but privileged": pod({"containers": [C(securityContext={"allowPrivilegeEscalation": False, "privileged": True})]}),
 "no escalation but CAP_SYS_ADMIN": pod({"containers": [C(securityContext={"allowPrivilegeEscalation": False, "capabilities": {"add": ["CAP_SYS_ADMIN"]}})]}),
 "net sysctl on host network": pod({"hostNetwork": True, "securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "1"}]}, "containers": [C()]}),
 "runAsUser out of range": pod({"securityContext": {"runAsUser": -1}, "containers": [C(securityContext={"runAsGroup": 2147483648})]}),
 "duplicate hostPort": pod({"containers": [C(ports=[{"containerPort": 80, "hostPort": 8080}]), {"name": "b", "image": "pause", "ports": [{"containerPort": 81, "hostPort": 8080}]}]}),
 "lowercase protocol": pod({"containers": [C(ports=[{"containerPort": 80, "protocol": "tcp"}])]}),
 "probe on an init container": pod({"initContainers": [C(name="init", readinessProbe={"exec": {"command": ["true"]}})], "containers": [C()]}),
 "probe on a sidecar": pod({"initContainers": [C(name="init", restartPolicy="Always", readinessProbe={"exec": {"command": ["true"]}})], "containers": [C()]}),
 "no image and bad container name": pod({"containers": [{"name": "App_1"}]}),
 "mount of an undeclared volume": pod({"volumes": [{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}], "containers": [C(volumeMounts=[{"name": "cache", "mountPath": "/c"}])]}),
 "claim template without access modes": pod({"volumes": [{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "1Gi"}}}}}}], "containers": [C()]}),
 "label value with braces": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "{{ .Values.name }}"}}, "spec": {"containers": [C()]}},
 "deployment without selector": deploy({"app": "web"}, None, {"containers": [C()]}),
 "deployment selector does not match": deploy({"app": "web"}, {"matchLabels": {"app": "api"}}, {"containers": [C()]}),
 "daemonset template restart policy": {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"restartPolicy": "Never", "containers": [C()]}}}},
 "statefulset claim templates count as volumes": {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {"serviceName": "db", "selector": {"matchLabels": {"a": "b"}}, "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}], "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [C(volumeMounts=[{"name": "data", "mountPath": "/d"}, {"name": "logs", "mountPath": "/l"}])]}}}},
 "job with the default restart policy": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once"}, "spec": {"template": {"spec": {"containers": [C()]}}}},
 "cronjob name too long": {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "n" * 53}, "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [C()]}}}}}},
 "pod template ephemeral containers": {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": {"spec": {"containers": [C()], "ephemeralContainers": [{"name": "dbg", "image": "busybox"}]}}},
 "replication controller selector defaults to labels": {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {"template": {"spec": {"containers": [C()]}}}},
}


SERVER_MESSAGES: dict[str, str | None] = {
    'duplicate across init and regular':
        'Pod "p" is invalid: spec.initContainers[0].name: Duplicate value: "app"',
    'ephemeral containers on create':
        'Pod "p" is invalid: [spec.ephemeralContainers[0].name: Duplicate value: "app", spec.ephemeralContainers: Forbidden: cannot be set on create]',
    'apparmor annotation and field disagree':
        'Pod "p" is invalid: spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match',
    'apparmor annotation for no container':
        'Pod "p" is invalid: [metadata.annotations[container.apparmor.security.beta.kubernetes.io/ghost]: Invalid value: "ghost": container not found, metadata.annotations[container.apparmor.security.beta.kubernetes.io/ghost]: Invalid value: "foo": invalid AppArmor profile name: "foo"]',
    'apparmor localhost without profile':
        'Pod "p" is invalid: spec.securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost',
    'seccomp annotation and field disagree':
        'Pod "p" is invalid: spec.securityContext.seccompProfile.localhostProfile: Forbidden: seccomp profile in annotation and field must match',
    'seccomp stray localhost profile':
        'Pod "p" is invalid: spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: {"Type":"RuntimeDefault","LocalhostProfile":"x"}: can only be set when seccomp type is Localhost',
    'unmasked procMount needs hostUsers false':
        'Pod "p" is invalid: spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`',
    'unmasked procMount with hostUsers false':
        None,
    'hostProcess needs hostNetwork and all containers':
        'Pod "p" is invalid: [spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers, spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers]',
    'windows pod fields':
        'Pod "p" is invalid: [spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod, spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod]',
    'no escalation but privileged':
        'Pod "p" is invalid: spec.containers[0].securityContext: Invalid value: {"Capabilities":null,"Privileged":true,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
    'no escalation but CAP_SYS_ADMIN':
        'Pod "p" is invalid: spec.containers[0].securityContext: Invalid value: {"Capabilities":{"Add":["CAP_SYS_ADMIN"],"Drop":null},"Privileged":null,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
    'net sysctl on host network':
        'Pod "p" is invalid: spec.securityContext.sysctls[0].name: Invalid value: "net.core.somaxconn": may not be specified when \'hostNetwork\' is true',
    'runAsUser out of range':
        'Pod "p" is invalid: [spec.containers[0].securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive, spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive]',
    'duplicate hostPort':
        'Pod "p" is invalid: spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
    'lowercase protocol':
        'Pod "p" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
    'probe on an init container':
        'Pod "p" is invalid: spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    'probe on a sidecar':
        None,
    'no image and bad container name':
        'Pod "p" is invalid: [spec.containers[0].name: Invalid value: "App_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\'), spec.containers[0].image: Required value]',
    'mount of an undeclared volume':
        'Pod "p" is invalid: [spec.volumes[1].name: Duplicate value: "data", spec.containers[0].volumeMounts[0].name: Not found: "cache"]',
    'claim template without access modes':
        'Pod "p" is invalid: spec.volumes[0].ephemeral.volumeClaimTemplate.spec.accessModes: Required value: at least 1 access mode is required',
    'label value with braces':
        'Pod "p" is invalid: metadata.labels: Invalid value: "{{ .Values.name }}": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
    'deployment without selector':
        'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`]',
    'deployment selector does not match':
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    'daemonset template restart policy':
        'DaemonSet.apps "ds" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    'statefulset claim templates count as volumes':
        'StatefulSet.apps "db" is invalid: spec.template.spec.containers[0].volumeMounts[1].name: Not found: "logs"',
    'job with the default restart policy':
        'Job.batch "once" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    'cronjob name too long':
        'CronJob.batch "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" is invalid: metadata.name: Invalid value: "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn": must be no more than 52 characters',
    'pod template ephemeral containers':
        'PodTemplate "t" is invalid: template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    'replication controller selector defaults to labels':
        'ReplicationController "rc" is invalid: spec.selector: Required value',
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_message_is_the_servers(case: str) -> None:
    result = validate(CASES[case])
    expected = SERVER_MESSAGES[case]
    assert result.doubts == ()
    assert result.message == expected
    assert result.valid is (expected is None)


def test_errors_are_typed_and_in_the_servers_order() -> None:
    result = validate(CASES["ephemeral containers on create"])
    assert [(e.field, e.type, e.value, e.detail) for e in result.errors] == [
        ("spec.ephemeralContainers[0].name", ErrorType.DUPLICATE, "app", ""),
        ("spec.ephemeralContainers", ErrorType.FORBIDDEN, "", "cannot be set on create"),
    ]
    assert result.errors[1].type.reason == "FieldValueForbidden"


def test_a_statefulset_repeats_template_label_errors_but_the_message_does_not() -> None:
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b", "x": "{{y}}"}},
                                 "spec": {"containers": [C()]}}}}
    result = validate(sts)
    assert [e.field for e in result.errors] == ["spec.template.labels", "spec.template.labels"]
    assert result.message is not None and result.message.count("{{y}}") == 1


def test_unmodelled_fields_leave_the_verdict_open_when_no_rule_fails() -> None:
    result = validate(pod({"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}], "containers": [C()]}))
    assert (result.valid, result.message) == (None, None)
    assert result.doubts == ("spec.hostAliases: not modelled",)


@pytest.mark.parametrize(("obj", "doubt"), [
    ({"apiVersion": "v1", "kind": "Service"}, "v1/Service: kind not modelled"),
    ({"kind": "Pod"}, "None/Pod: kind not modelled"),
    ({"apiVersion": "apps/v1", "kind": "Pod"}, "apps/v1/Pod: kind not modelled"),
])
def test_a_kind_not_modelled_leaves_the_verdict_open(obj: dict[str, Any], doubt: str) -> None:
    assert tuple(validate(obj)) == (None, None, (), (doubt,))


def test_unmodelled_fields_keep_a_certain_error_but_withhold_the_message() -> None:
    result = validate(pod({"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}], "containers": [C(image="")]}))
    assert (result.valid, result.message) == (False, None)
    assert [e.text for e in result.errors] == ["spec.containers[0].image: Required value"]


def test_several_bad_label_keys_come_in_an_order_go_does_not_fix() -> None:
    obj = pod({"containers": [C()]})
    obj["metadata"]["labels"] = {"bad key": "v", "other bad": "w"}
    result = validate(obj)
    assert result.valid is False and result.message is None
    assert result.doubts == ("metadata.labels: errors of several keys come in Go's random map order",)


def test_a_generated_name_is_valid_but_never_named_in_a_message() -> None:
    obj = pod({"containers": [C()]})
    obj["metadata"] = {"generateName": "web-"}
    assert validate(obj).valid is True
    obj["spec"]["containers"][0]["image"] = ""
    result = validate(obj)
    assert (result.valid, result.message) == (False, None)


def test_kinds_outside_the_model_are_unknown() -> None:
    result = validate({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "x"}})
    assert (result.valid, result.message, result.errors) == (None, None, ())


def test_a_wrong_json_type_is_a_decoding_error_not_a_validation_message() -> None:
    result = validate(pod({"containers": [C(ports=[{"containerPort": "80"}])]}))
    assert (result.valid, result.errors, result.doubts) == (False, (), ())
    assert result.message == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field '
        "ContainerPort.spec.containers.ports.containerPort of type int32")


_ODD_VALUES: tuple[Any, ...] = ("", "x", -1, 0, 2**40, True, None, [], {}, ["a"], {"a": 1}, [{}], 1.5, [1])


def _mutate(node: Any, rng: random.Random, depth: int = 0) -> None:
    """Replace one value somewhere in the object with an odd one (often of the wrong type)."""
    keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
    if not keys:
        return
    key = rng.choice(keys)
    if rng.random() < 0.3 or depth > 6:
        node[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
    else:
        _mutate(node[key], rng, depth + 1)


def test_any_json_gets_a_verdict_never_an_exception() -> None:
    rng = random.Random(7)
    for obj in generate(300, 7):
        for _ in range(rng.randint(1, 4)):
            _mutate(obj, rng)
        result = validate(obj)
        assert result.valid in (True, False, None)
        if result.message is not None:
            assert result.valid is False and not result.doubts


def test_named_string_types_print_as_json_and_plain_strings_with_go_quoting() -> None:
    # Go's %v switch matches only the type `string`; TerminationMessagePolicy goes to json.Marshal.
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "statefulset-418"},
           "spec": {"selector": {"matchLabels": {"app": "a5"}}, "serviceName": "svc",
                    "template": {"metadata": {"labels": {"app": "a5"}},
                                 "spec": {"containers": [C(terminationMessagePolicy="<&>")]}}}}
    assert validate(sts).message == (
        'StatefulSet.apps "statefulset-418" is invalid: spec.template.spec.containers[0].terminationMessagePolicy: '
        'Unsupported value: "\\u003c\\u0026\\u003e": supported values: "File", "FallbackToLogsOnError"')
    assert validate(pod({"containers": [C(name="a<b")]})).errors[0].text.startswith(
        'spec.containers[0].name: Invalid value: "a<b": ')


def test_generate_name_is_checked_as_a_prefix() -> None:
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"generateName": "ok.name-"},
           "spec": {"selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [C()]}}}}
    result = validate(sts)
    assert result.valid is False and result.message is None
    assert result.errors[0].text == 'metadata.generateName: Invalid value: "ok.name-": must not contain dots'
