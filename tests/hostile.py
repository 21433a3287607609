"""Hostile manifests and PodSecurityPolicies, made from a seed.

Shared by the property test (tests/cli/test_hostile_input.py, a few dozen
cases under hypothesis) and the longer campaign outside CI
(benchmarks/fuzz_campaign.py). A case is a set of files, each a stream of
documents separated by `---`; every document that is not empty (YAML null or
only comments) must show up in the report as a result, a skipped object or an
error naming it.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field

import yaml

POD = """apiVersion: v1
kind: Pod
metadata:
  name: p{n}
  namespace: {ns}
  labels: {labels}
  ownerReferences: {owners}
spec:
  hostNetwork: {flag}
  containers:
  - name: c
    image: nginx
    args: {args}
    securityContext: {context}
  volumes: {volumes}
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: d{n}, namespace: {ns}}}
spec:
  replicas: 1
  template:
    metadata: {{labels: {labels}}}
    spec:
      hostNetwork: {flag}
      securityContext: {context}
      containers: [{{name: c, image: nginx, args: {args}}}]
      volumes: {volumes}
"""
CRONJOB = """apiVersion: batch/v1
kind: CronJob
metadata: {{name: cj{n}}}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: c, image: busybox, securityContext: {context}, args: {args}}}]
"""
NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels: {labels}
"""
REPLICASET = """apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: rs, namespace: web}}
spec:
  template:
    metadata: {{labels: {labels}}}
    spec:
      securityContext: {context}
      containers: [{{name: c, image: nginx, securityContext: {{runAsUser: 5, capabilities: {{add: {args}}}}}}}]
"""
OTHER = """apiVersion: example.com/v1
kind: Widget
metadata: {{name: w{n}}}
spec: {args}
"""
POLICY = """apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {{name: psp{n}}}
spec:
  privileged: {flag}
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  runAsUser: {{rule: {rule}}}
  seLinux: {{rule: RunAsAny}}
  supplementalGroups: {{rule: RunAsAny}}
  fsGroup: {{rule: RunAsAny}}
  volumes: {kinds}
  allowedCapabilities: {args}
"""
TEMPLATES = (POD, POD, DEPLOYMENT, CRONJOB, NAMESPACE, REPLICASET, OTHER)
BENIGN = {
    "ns": "web", "labels": "{app: a}", "flag": "false", "args": "[a, b]",
    "context": "{runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, "
               "seccompProfile: {type: RuntimeDefault}}",
    "volumes": "[{name: v, emptyDir: {}}]", "rule": "MustRunAsNonRoot", "kinds": "[emptyDir, secret]",
    "owners": "[{kind: ReplicaSet, name: rs, controller: true}]",
}
_MARKER = re.compile(rb"^(---|\.\.\.)", re.M)


def _deep(rng: random.Random) -> str:
    depth = rng.choice([40, 150, 999, 1001, 3000, 10_000, 10_001, 30_000])
    open_, close = rng.choice([("[", "]"), ("{a: ", "}")])
    return open_ * depth + "x" + close * depth


def _laughs(rng: random.Random) -> str:
    levels, width = rng.randint(2, 12), rng.randint(2, 12)
    items = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


HOSTILE_VALUES = (
    _deep,
    _laughs,
    lambda rng: "&r [1, *r]",
    lambda rng: "&m {a: *m}",
    lambda rng: '""', lambda rng: "5", lambda rng: "null", lambda rng: "[]", lambda rng: "{}",
    lambda rng: "x" * rng.choice([100, 70_000, 300_000]),
    lambda rng: "9" * rng.choice([20, 5000]),
    lambda rng: rng.choice([".nan", ".inf", "-.inf", "1e400", "0x1F", "0o17", "~", "true"]),
    lambda rng: rng.choice(["!!set {a, b}", "!!binary aGVsbG8=", "!!timestamp 2001-12-14",
                            "!!omap [a: 1]", "!!binary '!!!'", "!!timestamp 2001-99-99",
                            "!!int xx", "!!float x", "!!str"]),
    lambda rng: rng.choice(["{1: a, 2.5: b, true: c}", "{null: a}", "{[a]: b}", "{? [a] : b}"]),
    lambda rng: "{<<: {a: 1}, b: 2}",
    lambda rng: "[" + ", ".join(["{name: v, hostPath: {path: /}}"] * rng.randint(1, 50)) + "]",
)


@dataclass
class Case:
    """Files to read (name -> bytes), and the documents of each that must be reported."""

    files: dict[str, bytes] = field(default_factory=dict)
    expected: dict[str, list[int]] = field(default_factory=dict)
    policies: bytes = b""


def _fill(template: str, rng: random.Random, n: int, hostile: float) -> str:
    values = dict(BENIGN)
    for key in values:
        if rng.random() < hostile:
            values[key] = rng.choice(HOSTILE_VALUES)(rng)
    return template.format(n=n, **values)


def _garbage(rng: random.Random) -> str:
    alphabet = "{}[]:,-&*!|>'\"#%@` \n\tab01?~<=\\"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))


def _as_json(text: str) -> str | None:
    """The document as one JSON line, when it is shallow enough to convert here
    (and has no aliases: expanding a bomb here would cost what the tool refuses)."""
    if "*" in text:
        return None
    try:
        return json.dumps(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError):
        return None


def document(rng: random.Random, n: int) -> tuple[bytes, bool]:
    """One document's bytes (no marker line inside) and whether it must be reported."""
    roll = rng.random()
    if roll < 0.1:
        text = _garbage(rng)
    elif roll < 0.2:
        items = ", ".join(json.dumps(yaml.safe_load(POD.format(n=f"{n}-{i}", **BENIGN)))
                          for i in range(rng.randint(1, 3)))
        text = f'{{"apiVersion": "v1", "kind": "List", "items": [{items}]}}\n'
    else:
        text = _fill(rng.choice(TEMPLATES), rng, n, hostile=rng.choice([0.0, 0.1, 0.3]))
        if rng.random() < 0.15:
            text = _as_json(text) or text
    data = text.encode()
    if rng.random() < 0.08:  # a byte that is not UTF-8, or a document cut short
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\x00"]) + data[at:]
    elif rng.random() < 0.05:
        data = data[:rng.randrange(len(data) + 1)]
    data = _MARKER.sub(b"#--", data)  # a document never ends inside itself
    return data, _must_report(data)


def _must_report(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    try:
        return yaml.safe_load(text) is not None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError):
        return True


def make_case(seed: int, max_files: int = 3, max_docs: int = 5) -> Case:
    rng = random.Random(seed)
    case = Case()
    for f in range(rng.randint(1, max_files)):
        docs = [document(rng, f * 100 + i) for i in range(rng.randint(1, max_docs))]
        name = f"f{f}.{rng.choice(['yaml', 'json', 'yml'])}"
        case.files[name] = b"\n---\n".join(d for d, _ in docs) + b"\n"
        case.expected[name] = [i for i, (_, must) in enumerate(docs) if must]
    policies = [_fill(POLICY, rng, i, hostile=rng.choice([0.0, 0.0, 0.2])) for i in range(rng.randint(1, 3))]
    case.policies = "---\n".join(policies).encode()
    return case


COMMANDS = ("check", "check-psp", "which", "mutated")
OUTPUTS = ("json", "yaml", "table", "sarif")


def write_files(case: Case, directory: str) -> list[str]:
    """The case's manifests and policies written under `directory`; `-f PATH` for each manifest."""
    import os

    files = []
    for name, data in case.files.items():
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(data)
        files += ["-f", path]
    with open(os.path.join(directory, "policies.yaml"), "wb") as f:
        f.write(case.policies)
    return files


def arguments(case: Case, directory: str, command: str, output: str) -> list[str]:
    """The command line for one run of `case`, its files written under `directory`."""
    import os

    files = write_files(case, directory)
    policies = os.path.join(directory, "policies.yaml")
    if command == "check":
        return ["check", *files, "-o", output]
    if command == "check-psp":
        return ["check", *files, "--psp-file", policies, "-o", output]
    output = output if output in ("json", "yaml", "table") else "json"
    if command == "which":
        return ["psp", "which", *files, "--psp-file", policies, "-o", output]
    return ["psp", "mutated", *files, "-o", output]


def problems(case: Case, directory: str, args: list[str], code: int, stdout: str,
             stderr: str) -> list[str]:
    """What went wrong in one run: internal errors, a broken report, lost documents."""
    import os

    found = []
    if "internal error" in stderr or "Traceback" in stderr:
        found.append(f"internal error: {stderr[-500:]}")
    if code not in (0, 1, 2, 4):  # 4: a policy left to unknown cluster defaults
        found.append(f"exit code {code}")
    output = args[args.index("-o") + 1]
    report = None
    if stdout or code != 2:
        try:
            if output in ("json", "sarif"):
                report = json.loads(stdout)
            elif output == "yaml":
                report = yaml.load(stdout, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (ValueError, yaml.YAMLError) as err:
            found.append(f"stdout is not one {output} document: {err}")
    if args[0] == "check" and output in ("json", "yaml") and isinstance(report, dict):
        seen = {(r["source"]["file"], r["source"]["document"])
                for r in report.get("results", []) + report.get("skipped", [])}
        messages = [e["message"] if isinstance(e, dict) else e for e in report.get("errors", [])]
        for error in messages:
            m = re.match(r"(.*?): document (\d+) ", error)
            seen |= {(m.group(1), int(m.group(2)))} if m else set()
        for name, indexes in case.expected.items():
            path = os.path.join(directory, name)
            if any(f"{path}: " in e and ": document " not in e for e in messages):
                continue  # the whole file was refused, and said so
            lost = [i for i in indexes if (path, i) not in seen]
            if lost:
                found.append(f"{name}: documents {lost} are not in the report")
    return found
