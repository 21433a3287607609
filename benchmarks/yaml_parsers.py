"""YAML parsers on PyPI against podsec's loader: speed on a 20,000-pod file, and whether each
reads plain scalars as kubectl does (go-yaml v2's rules).

    python benchmarks/yaml_parsers.py [--pods 20000] [--runs 5]

Parsers that are not installed are listed as missing; install them in a scratch virtualenv
(`pip install fastyaml-rs pyyaml-rs yaml-rs rapidyaml msgspec`) to measure them. Each time is
the median of --runs loads of the whole multi-document file (values built as Python objects);
rapidyaml's `parse_in_arena` builds only its own tree, so its time is a lower bound; the row
after it walks that tree in Python (rapidyaml alone tells plain scalars from quoted ones). The
fidelity probe loads scalars whose reading kubectl fixes (decoding/scalars.py) and counts the
ones a parser reads otherwise; a parser that cannot tell a plain scalar from a quoted one
(none of the Python-level APIs here can) cannot be corrected after the fact: `0777` read as
777 and `"777"` are the same value by then.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from benchmarks.check_offline import write_pods  # noqa: E402
from kubectl_podsec.decoding.loader import load as podsec_load  # noqa: E402

# (text of a plain scalar, kubectl's JSON value), from the differential test's corpus
PROBES = (("y", True), ("n", False), ("on", True), ("off", False), ("yes", True), ("No", False),
          ("0777", 511), ("0o17", 15), ("0x1F", 31), ("08", 8), ("1e3", 1000), ("1_000", 1000),
          ("1:20", "1:20"), ("1e400", "1e400"), ("2001-12-14", "2001-12-14"), ("=", "="),
          (".5_5", 0.55), ("1.0", 1), ("'y'", "y"))


def _loaders() -> dict[str, Callable[[str], list[Any]] | str]:
    import yaml

    found: dict[str, Callable[[str], list[Any]] | str] = {
        "PyYAML CSafeLoader": lambda text: list(yaml.load_all(text, Loader=yaml.CSafeLoader)),
        "podsec (go-yaml rules on libyaml)": lambda text: [podsec_load(d) for d in text.split("\n---\n")],
    }
    for name, module, call in (("fastyaml-rs", "fast_yaml", "safe_load_all"),
                               ("pyyaml-rs", "pyyaml_rs", "safe_load_all"),
                               ("yaml-rs", "yaml_rs", "loads"),
                               ("msgspec.yaml", "msgspec.yaml", "decode"),
                               ("rapidyaml (tree only)", "ryml", "parse_in_arena")):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            found[name] = "not installed"
            continue
        found[name] = _adapter(name, getattr(mod, call))
        if module == "ryml":
            found["rapidyaml + Python walk, go-yaml rules"] = _ryml_values(mod)
    return found


def _ryml_values(ryml: Any) -> Callable[[str], list[Any]]:
    """rapidyaml's tree, which does tell plain scalars from quoted ones, walked in Python
    into values with podsec's go-yaml rules: what adopting it would cost at least."""
    from kubectl_podsec.decoding.scalars import json_number, resolve

    def build(tree: Any, node: int) -> Any:
        if tree.is_map(node) or tree.is_seq(node):
            items, child = [], tree.first_child(node)
            while child != ryml.NONE:
                items.append(child)
                child = tree.next_sibling(child)
            if tree.is_seq(node):
                return [build(tree, c) for c in items]
            return {(str(resolve("", bytes(tree.key(c)).decode())) if tree.is_key_plain(c)
                     else bytes(tree.key(c)).decode()): build(tree, c) for c in items}
        text = bytes(tree.val(node)).decode()
        return json_number(resolve("", text)) if tree.is_val_plain(node) else text

    def load(text: str) -> list[Any]:
        tree = ryml.parse_in_arena(text.encode())
        if not tree.is_stream(tree.root_id()):
            return [build(tree, tree.root_id())]
        docs, child = [], tree.first_child(tree.root_id())
        while child != ryml.NONE:
            docs.append(build(tree, child))
            child = tree.next_sibling(child)
        return docs

    return load


def _adapter(name: str, call: Callable[..., Any]) -> Callable[[str], list[Any]]:
    if name.startswith("msgspec"):  # one document a call
        return lambda text: [call(d.encode()) for d in text.split("\n---\n") if d.strip("-\n")]
    if name.startswith("rapidyaml"):
        return lambda text: [call(text.encode())]
    if name == "yaml-rs":  # a list for several documents, the value for one
        return lambda text: (lambda got: got if text.count("\n---\n") else [got])(call(text))
    return lambda text: list(call(text))


def _probe(load: Callable[[str], list[Any]]) -> int | str:
    wrong = 0
    for text, expected in PROBES:
        try:
            got = load(f"v: {text}\n")[0]["v"]
        except Exception:  # noqa: BLE001 - a parser that refuses counts as wrong
            wrong += 1
            continue
        if json.dumps(got, default=repr) != json.dumps(expected):
            wrong += 1
    return wrong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pods.yaml")
        write_pods(path, args.pods)
        with open(path) as f:
            text = f.read()
    print(f"{args.pods} pods, {len(text) / 1e6:.1f} MB; load {os.getloadavg()[0]:.2f}; "
          f"median of {args.runs} runs")
    print(f"{'parser':38} {'seconds':>8} {'probes read otherwise':>22}")
    for name, load in _loaders().items():
        if isinstance(load, str):
            print(f"{name:38} {load:>8}")
            continue
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            load(text)
            times.append(time.perf_counter() - start)
        wrong = "n/a" if name.startswith("rapidyaml (") else _probe(load)
        print(f"{name:38} {statistics.median(times):8.2f} {f'{wrong} of {len(PROBES)}':>22}")


if __name__ == "__main__":
    main()
