"""Cluster-wide pages for the rollout plan: undecoded, with the next page asked
for as soon as the head of this one shows its continue token."""

from __future__ import annotations

import json
import pathlib

from kubectl_podsec.kube.client import Cluster
from kubectl_podsec.kube.options import ConnectionOptions
from kubectl_podsec.kube.lists import peek_metadata
from kubectl_podsec.kube.resources import POD
from tests.unit.fake_apiserver import Reply, Seen, running


def go_json(obj: object) -> bytes:
    """As the API server writes it: compact, kind and apiVersion first."""
    return json.dumps(obj, separators=(",", ":")).encode()


def test_the_continue_token_is_read_from_the_head_only() -> None:
    page = go_json({"kind": "PodList", "apiVersion": "v1",
                    "metadata": {"resourceVersion": "9", "continue": "abc"}, "items": [{"x": "y" * 10000}]})
    assert peek_metadata(page) == {"resourceVersion": "9", "continue": "abc"}
    assert peek_metadata(page[:200]) == {"resourceVersion": "9", "continue": "abc"}  # items never read
    assert peek_metadata(go_json({"metadata": {"continue": "abc"}})) is None  # not a list's head
    assert peek_metadata(b'{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"a' + b"b" * 5000) is None
    assert peek_metadata("text") is None


def test_raw_pages_where_the_head_is_not_recognised(tmp_path: pathlib.Path) -> None:
    pods = [{"metadata": {"name": f"p{i}", "namespace": "a"}} for i in range(3)]

    def page(seen: Seen) -> Reply:
        start = int(seen.query.get("continue") or 0)
        more = {"continue": str(start + 2)} if start + 2 < len(pods) else {}
        return Reply(200, {"metadata": more, "items": pods[start:start + 2]})

    with running() as fake:
        fake.on("GET", "/api/v1/pods", page)
        cluster = Cluster(ConnectionOptions(kubeconfig=fake.kubeconfig(tmp_path)))
        raw = list(cluster.list_pages(POD, raw=True, limit=2))
        decoded = list(cluster.list_pages(POD, limit=2))

    assert [[i["metadata"]["name"] for i in json.loads(r)["items"]] for r in raw] == [["p0", "p1"], ["p2"]]
    assert [[i["metadata"]["name"] for i in p] for p in decoded] == [["p0", "p1"], ["p2"]]
    assert decoded[0][0]["kind"] == "Pod"
