"""Benchmark: offline validation against a real API server, on a big sample.

    python benchmarks/validation_differential.py [--objects 5000] [--seeds 1,2,3]
                                                 [--profile default] [--corpus DIR ...] [--json]

Each seed's objects come from tests/validation_generator.py (valid and broken pods and
workloads of all nine kinds); each --corpus DIR adds every pod-bearing object found in its
YAML/JSON files (for example the Kubernetes repository's own manifests). Every object is
dry-run created (dryRun=All) in a fresh namespace of the scripts/test-cluster profile
(started if needed; `default` is privileged, so Pod Security never denies), and compared
with kubectl_podsec.validation.validate:

- recall: share of the objects the server rejects as invalid (422) flagged invalid offline;
- identical: share of those whose offline message is the server's, byte for byte;
- false invalid: flagged offline, created by the server (target 0);
- wrong messages: a message given offline that is not the server's (target 0);
- false valid: said valid offline, rejected by the server.
Also the offline cost per object, and why messages were withheld.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kubectl_podsec.validation import KINDS, validate  # noqa: E402
from tests.integration.control_plane import bring_up  # noqa: E402
from tests.integration.validation_diff import doubt_tally, dry_run_all, figures  # noqa: E402
from tests.validation_generator import generate  # noqa: E402


def corpus(directory: Path) -> list[dict[str, Any]]:
    """Pod-bearing objects of every YAML/JSON file under `directory` (templated files that do not
    parse are skipped); the namespace is dropped so that all land in the test namespace."""
    import yaml  # only the benchmark needs PyYAML

    found: list[dict[str, Any]] = []
    for path in sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml", ".json")):
        try:
            documents = list(yaml.safe_load_all(path.read_text()))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for document in documents:
            items = document.get("items", []) if isinstance(document, dict) and document.get("kind") == "List" \
                else [document]
            for item in items:
                if isinstance(item, dict) and (str(item.get("apiVersion")), str(item.get("kind"))) in KINDS \
                        and isinstance(item.get("metadata"), dict):
                    item = json.loads(json.dumps(item, default=str))
                    item["metadata"].pop("namespace", None)
                    found.append(item)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=5000, help="generated objects per seed")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--corpus", type=Path, action="append", default=[])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    cluster = bring_up(args.profile)
    namespace = cluster.create_namespace("validation-benchmark")
    samples = {f"generated seed {s}": generate(args.objects, int(s)) for s in args.seeds.split(",") if s}
    samples.update({f"corpus {d}": corpus(d) for d in args.corpus})
    report = {}
    for name, objects in samples.items():
        started = time.perf_counter()
        for obj in objects:
            validate(obj)
        offline = (time.perf_counter() - started) / max(len(objects), 1)
        outcomes = dry_run_all(cluster, namespace, objects)
        result = figures(outcomes)
        report[name] = {**result.__dict__, "recall": round(result.recall, 4),
                        "identical_share": round(result.identical_share, 4),
                        "offline_us_per_object": round(offline * 1e6, 1),
                        "withheld": dict(doubt_tally(outcomes).most_common(8))}
        if not args.json:
            print(f"{name}: {result.summary()}; offline {offline * 1e6:.0f} us per object")
            for reason, count in doubt_tally(outcomes).most_common(8):
                print(f"    message withheld ({count}): {reason}")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
