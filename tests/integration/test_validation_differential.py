"""Offline validation against the real API server's validation: the seeded generator's objects,
valid and broken, dry-run created in a privileged namespace (Pod Security never denies there),
the verdict and the whole message compared.

benchmarks/validation_differential.py runs the same comparison on a bigger sample.
"""

from __future__ import annotations

from ..validation_generator import generate
from .control_plane import Cluster
from .validation_diff import dry_run_all, figures

SEED = 20261203
OBJECTS = 600


def test_offline_validation_agrees_with_the_api_server(cluster: Cluster, namespace: str) -> None:
    # the generator names this service account: the ServiceAccount admission plugin, which
    # runs before validation, refuses pods whose account does not exist
    cluster.kubectl("create", "serviceaccount", "builder", "-n", namespace)
    outcomes = dry_run_all(cluster, namespace, generate(OBJECTS, SEED))
    result = figures(outcomes)
    print(result.summary())
    wrong = [o for o in outcomes if o.offline.valid is False and o.status < 300]
    assert not wrong, f"flagged invalid but created: {wrong[0].obj} ({wrong[0].offline.message})"
    differ = [o for o in outcomes
              if o.validated and o.offline.message is not None and o.offline.message != o.server_message]
    assert not differ, f"message differs for {differ[0].obj}:\n{differ[0].offline.message}\n{differ[0].server_message}"
    assert result.false_valid == 0
    assert result.rejected_invalid > OBJECTS // 3, "the generator must break a good share of its objects"
    assert result.accepted > OBJECTS // 10, "the generator must also produce objects the server accepts"
    assert result.recall >= 0.95, result.summary()
    assert result.identical_share >= 0.90, result.summary()


def test_a_rejected_pod_gets_the_servers_words(cluster: Cluster, namespace: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "app", "image": "pause"}, {"name": "app", "image": "pause"}]}}
    [outcome] = dry_run_all(cluster, namespace, [pod])
    assert outcome.status == 422
    assert outcome.offline.message == outcome.server_message == \
        'Pod "p" is invalid: spec.containers[1].name: Duplicate value: "app"'
