"""kube/ over real HTTP, through the real client, against a scripted server:
retries and Retry-After, each failure's message, pagination, Warning headers,
impersonation header lines, credentials from an exec plugin."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import pathlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from kubectl_podsec.kube.client import NOT_SENT, ApiError, Cluster
from kubectl_podsec.kube.options import ConnectionOptions, impersonation
from kubectl_podsec.errors import ClusterError
from kubectl_podsec.kube.resources import POD

from .fake_apiserver import FakeApiServer, Reply, running, status

VERSION = {"major": "1", "minor": "37", "gitVersion": "v1.37.2"}


@pytest.fixture
def fake() -> Iterator[FakeApiServer]:
    with running() as server:
        yield server


def connect(fake: FakeApiServer, tmp_path: pathlib.Path, **options: object) -> tuple[Cluster, list[float]]:
    cluster = Cluster(ConnectionOptions(kubeconfig=fake.kubeconfig(tmp_path), **options))  # type: ignore[arg-type]
    waits: list[float] = []
    cluster.sleep = waits.append  # type: ignore[assignment]
    return cluster, waits


def test_429_is_retried_after_the_time_the_server_asks(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    fake.on("GET", "/version", Reply(429, {"kind": "Status"}, [("Retry-After", "3")]), Reply(200, VERSION))
    cluster, waits = connect(fake, tmp_path)

    assert cluster.version() == VERSION
    assert waits == [3.0]
    assert len(fake.requests("/version")) == 2


def test_5xx_is_retried_with_growing_waits_then_reported(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    fake.on("GET", "/version", status(503, "ServiceUnavailable", "etcd is unhappy"))
    cluster, waits = connect(fake, tmp_path)

    with pytest.raises(ApiError) as raised:
        cluster.version()

    assert str(raised.value) == f"{fake.url} answered 503 to GET /version after 5 attempts: etcd is unhappy"
    assert raised.value.exit_code == 3
    assert len(waits) == 4 and waits == sorted(waits) and waits[0] < 0.5 and waits[-1] > 1.0


def test_an_unreachable_server_is_named_at_once(tmp_path: pathlib.Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    server = FakeApiServer()
    server.url = f"http://127.0.0.1:{port}"
    server.httpd.server_close()
    cluster, waits = connect(server, tmp_path)

    with pytest.raises(ApiError) as raised:
        cluster.version()

    assert str(raised.value) == (f"cannot reach http://127.0.0.1:{port} (connection refused); "
                                 "check --context or KUBECONFIG")
    assert waits == [] and cluster.requests == 1  # refused: not retried, as kubectl


def test_a_slow_answer_times_out_with_request_timeout(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    fake.on("GET", "/version", Reply(200, VERSION, delay=3))
    cluster, waits = connect(fake, tmp_path, request_timeout=0.5)

    started = time.monotonic()
    with pytest.raises(ApiError) as raised:
        cluster.version()

    assert time.monotonic() - started < 2.5
    assert str(raised.value) == (f"timed out after 0.5s waiting for {fake.url} (GET /version); "
                                 "raise --request-timeout or check the connection")
    assert waits == []  # a timeout is not retried: it would only multiply the wait


@pytest.mark.parametrize("reply,message", [
    (status(401, "Unauthorized", "Unauthorized"),
     ('unauthorized: {url} rejected the credentials of context "fake" (Unauthorized); '
      "check --context, --user or KUBECONFIG")),
    (status(403, "Forbidden", 'namespaces "team" is forbidden: User "bob" cannot get resource "namespaces" '
                              'in API group "" in the namespace "team"'),
     'forbidden: User "bob" cannot get resource "namespaces" in API group "" in the namespace "team"'),
    (status(403, "Forbidden", 'forbidden: User "system:anonymous" cannot get path "/api/v1/namespaces/team"'),
     'forbidden: User "system:anonymous" cannot get path "/api/v1/namespaces/team"'),  # said once
    (status(404, "NotFound", 'namespaces "team" not found'), 'namespaces "team" not found'),
    (Reply(404, None), "{url} does not serve GET /api/v1/namespaces/team (404 Not Found)"),
])
def test_each_refusal_says_what_and_where(fake: FakeApiServer, tmp_path: pathlib.Path, reply: Reply,
                                          message: str) -> None:
    fake.on("GET", "/api/v1/namespaces/team", reply)
    cluster, waits = connect(fake, tmp_path)

    with pytest.raises(ApiError) as raised:
        cluster.namespace_object("team")

    assert str(raised.value) == message.format(url=fake.url)
    assert waits == []


def test_lists_are_read_page_by_page(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    path = "/api/v1/pods"
    fake.on("GET", path,
            Reply(200, {"metadata": {"continue": "c1"}, "items": [{"metadata": {"name": "a"}}]}),
            Reply(410, {"kind": "Status", "reason": "Expired", "code": 410, "metadata": {"continue": "c2"}}),
            Reply(200, {"metadata": {}, "items": [{"metadata": {"name": "b"}}]}))
    cluster, _ = connect(fake, tmp_path)

    pages = list(cluster.list_pages(POD, None, selector="app=web", limit=1))

    assert [[item["metadata"]["name"] for item in page] for page in pages] == [["a"], ["b"]]
    assert pages[0][0]["kind"] == "Pod" and pages[0][0]["apiVersion"] == "v1"
    assert [r.query for r in fake.requests(path)] == [
        {"limit": "1", "labelSelector": "app=web"},
        {"limit": "1", "labelSelector": "app=web", "continue": "c1"},
        {"limit": "1", "labelSelector": "app=web", "continue": "c2"}]  # the token the 410 handed back


def test_dry_run_sends_dry_run_all_and_keeps_every_warning(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    path = "/api/v1/namespaces/team/pods"
    fake.on("POST", path, Reply(201, {"metadata": {"name": "p-x1"}}, [
        ("Warning", '299 - "would violate PodSecurity \\"restricted:latest\\": runAsNonRoot != true"'),
        ("Warning", '299 - "second, with comma"')]))
    cluster, _ = connect(fake, tmp_path)

    got = cluster.dry_run_create(POD, "team", {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "p-"}})

    assert got.outcome == "accepted" and got.name == "p-x1"
    assert got.warnings == ('would violate PodSecurity "restricted:latest": runAsNonRoot != true',
                            "second, with comma")
    (seen,) = fake.requests(path)
    assert seen.query == {"dryRun": "All", "fieldManager": "kubectl-podsec", "fieldValidation": "Strict"}
    assert seen.body == {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "p-"}}
    assert seen.header("Authorization") == ["Bearer t0ken"]


def test_impersonation_sends_one_header_line_per_group(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    fake.on("GET", "/version", Reply(200, VERSION))
    fake.on("POST", "/api/v1/namespaces/team/pods", Reply(201, {}))
    fake.on("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", Reply(201, {"status": {"allowed": True}}))
    identity = impersonation("alice", ("devs", "qa,ops"), "u-7", None)
    cluster, _ = connect(fake, tmp_path, identity=identity)

    assert cluster.access({"verb": "create", "resource": "pods"}).allowed
    cluster.dry_run_create(POD, "team", {})
    cluster.dry_run_create(POD, "team", {}, impersonate=False)
    cluster.version()  # reads are made as yourself

    review, as_alice, as_me, read = fake.seen
    for seen in (review, as_alice):
        assert seen.header("Impersonate-User") == ["alice"]
        assert seen.header("Impersonate-Group") == ["devs", "qa,ops"]
        assert seen.header("Impersonate-Uid") == ["u-7"]
    for seen in (as_me, read):
        assert seen.header("Impersonate-User") == [] and seen.header("Impersonate-Group") == []


def test_refused_impersonation_ends_the_run(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    fake.on("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", status(
        403, "Forbidden", 'users "alice" is forbidden: User "bob" cannot impersonate resource "users" '
                          'in API group "" at the cluster scope'))
    cluster, _ = connect(fake, tmp_path, identity=impersonation("alice", (), None, None))

    with pytest.raises(ApiError) as raised:
        cluster.access({"verb": "create", "resource": "pods"})

    assert str(raised.value) == 'forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope'
    assert raised.value.fatal


def test_self_subject_review_missing_is_none(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    cluster, _ = connect(fake, tmp_path)
    assert cluster.who_am_i() is None
    assert [s.path for s in fake.seen] == [f"/apis/authentication.k8s.io/{v}/selfsubjectreviews"
                                           for v in ("v1", "v1beta1", "v1alpha1")]


def test_a_forbidden_self_subject_review_the_server_does_not_serve_is_none(fake: FakeApiServer,
                                                                          tmp_path: pathlib.Path) -> None:
    """Before 1.27 a server authorizes the request before finding it has no such
    resource: a 403 means "not served" when discovery does not list it."""
    forbidden = status(403, "Forbidden", 'selfsubjectreviews.authentication.k8s.io is forbidden: User "alice" '
                                         'cannot create resource "selfsubjectreviews"')
    for version in ("v1", "v1beta1", "v1alpha1"):
        fake.on("POST", f"/apis/authentication.k8s.io/{version}/selfsubjectreviews", forbidden)
    fake.on("GET", "/apis/authentication.k8s.io/v1", Reply(200, {"kind": "APIResourceList", "resources": [
        {"name": "tokenreviews", "kind": "TokenReview", "verbs": ["create"]}]}))
    cluster, _ = connect(fake, tmp_path)

    assert cluster.who_am_i() is None

    fake.on("GET", "/apis/authentication.k8s.io/v1", Reply(200, {"kind": "APIResourceList", "resources": [
        {"name": "selfsubjectreviews", "kind": "SelfSubjectReview", "verbs": ["create"]}]}))
    with pytest.raises(ApiError, match="^forbidden: User \"alice\" cannot create"):
        cluster.who_am_i()  # served, and refused: that is an answer


def exec_kubeconfig(fake: FakeApiServer, tmp_path: pathlib.Path, script: str) -> str:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(script)
    path = tmp_path / "exec-kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": fake.url}}],
        "users": [{"name": "u", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
            "args": [str(plugin)], "interactiveMode": "Never"}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))
    return str(path)


def test_exec_credential_plugins_supply_the_token(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    fake.on("GET", "/version", Reply(200, VERSION))
    config = exec_kubeconfig(fake, tmp_path, (
        "import json\nprint(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', "
        "'kind': 'ExecCredential', 'status': {'token': 'from-plugin'}}))\n"))

    Cluster(ConnectionOptions(kubeconfig=config)).version()

    assert fake.requests("/version")[0].header("Authorization") == ["Bearer from-plugin"]


def test_a_failing_exec_plugin_is_a_cluster_error(fake: FakeApiServer, tmp_path: pathlib.Path,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    config = exec_kubeconfig(fake, tmp_path, "import sys\nsys.stderr.write('no login')\nsys.exit(3)\n")

    with pytest.raises(ClusterError) as raised:
        Cluster(ConnectionOptions(kubeconfig=config))

    assert str(raised.value) == (f'cannot get credentials for context "x": exec: executable {sys.executable} '
                                 "failed with exit code 3")
    assert capfd.readouterr().err == "no login"  # the plugin speaks to the user directly, as with kubectl


class ConnectProxy:
    """A minimal HTTP CONNECT proxy that records the targets it was asked for."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.targets: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += client.recv(4096)
        target = head.split(b" ")[1].decode()
        self.targets.append(target)
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := src.recv(65536):
                    dst.sendall(data)
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)


def test_the_kubeconfig_proxy_url_tunnels_every_request(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    proxy = ConnectProxy()
    fake.on("GET", "/version", Reply(200, VERSION))
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": fake.url, "proxy-url": proxy.url}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))

    cluster = Cluster(ConnectionOptions(kubeconfig=str(path)))

    assert cluster.version() == VERSION
    assert proxy.targets == [fake.url.removeprefix("http://")]
    assert fake.requests("/version")[0].header("Authorization") == ["Bearer t"]


def test_auth_provider_tokens_come_from_the_official_client(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    """An OIDC auth-provider whose id-token is still valid: the official loader hands it over."""
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    id_token = ".".join([part({"alg": "none"}), part({"sub": "ann", "exp": int(time.time()) + 3600}), "sig"])
    fake.on("GET", "/version", Reply(200, VERSION))
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": fake.url}}],
        "users": [{"name": "u", "user": {"auth-provider": {"name": "oidc", "config": {
            "id-token": id_token, "client-id": "k", "idp-issuer-url": "https://idp.invalid"}}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))

    Cluster(ConnectionOptions(kubeconfig=str(path))).version()

    assert fake.requests("/version")[0].header("Authorization") == [f"Bearer {id_token}"]


def test_list_items_lose_their_managed_fields_and_nothing_else(fake: FakeApiServer, tmp_path: pathlib.Path) -> None:
    managed = [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1", "time": "2026-01-01T00:00:00Z",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                                                      "f:spec": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}},
                                                                 "f:x": {"v:\"]},\\\"spec\\\":\"": {}}}}}]
    pods = [
        {"metadata": {"name": "a", "labels": {"app": "]},\"spec\":"}, "managedFields": managed},
         "spec": {"containers": [{"name": "app", "image": "i"}]}, "status": {}},
        {"metadata": {"name": "no-spec", "managedFields": managed}, "status": {"phase": "Pending"}},
        {"metadata": {"name": "only-metadata", "managedFields": managed}},
        {"metadata": {"name": "c", "annotations": {"x": ',"managedFields":['}, "managedFields": managed},
         "spec": {"containers": []}},
        {"metadata": {"name": "d"}, "spec": {}},
    ]
    body = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}, "items": pods}
    fake.on("GET", "/api/v1/pods", Reply(200, body))
    cluster, _ = connect(fake, tmp_path)

    (page,) = cluster.list_pages(POD)
    (raw,) = cluster.list_pages(POD, raw=True)

    expected = [{**p, "metadata": {k: v for k, v in p["metadata"].items() if k != "managedFields"},  # type: ignore[attr-defined]
                 "apiVersion": "v1", "kind": "Pod"} for p in pods]
    expected[2]["metadata"]["managedFields"] = managed  # metadata ends the item: left as it came
    assert page == expected
    assert [i["metadata"] for i in json.loads(raw)["items"]] == [e["metadata"] for e in expected]


def test_connections_the_server_closed_while_idle_are_replaced(tmp_path: pathlib.Path) -> None:
    """A server that keeps each connection for one answer only, without saying so
    (as an API server does when its idle timeout passes): every later request
    starts on a kept-alive connection that is already closed, and must still
    be sent once, on a new one."""
    served: list[str] = []

    def handle(conn: socket.socket, number: int) -> None:
        with conn:
            request = _read_request(conn)
            assert request is not None
            served.append(request[1])
            _answer(conn, VERSION)

    listener, url = _raw_server(handle)
    cluster, waits = _kubeconfig(tmp_path, url)
    try:
        answers = [cluster.version() for _ in range(3)]
    finally:
        listener.close()

    assert answers == [VERSION] * 3
    assert served == ["/version"] * 3 and cluster.requests == 3 and waits == []


def _raw_server(handle: Callable[[socket.socket, int], None]) -> tuple[socket.socket, str]:
    """A server that hands each accepted connection, with its number, to handle."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        for number in itertools.count():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn, number), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def _read_request(conn: socket.socket) -> tuple[str, str] | None:
    """One whole request (head and body) from conn: (method, path), None at its end."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), b"0"))
    while len(body) < length:
        body += conn.recv(65536)
    method, path = head.split(b" ")[:2]
    return method.decode(), path.decode()


def _kubeconfig(tmp_path: pathlib.Path, url: str) -> tuple[Cluster, list[float]]:
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "c", "cluster": {"server": url}}], "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}]}))
    cluster = Cluster(ConnectionOptions(kubeconfig=str(path)))
    waits: list[float] = []
    cluster.sleep = waits.append  # type: ignore[assignment]
    return cluster, waits


def _answer(conn: socket.socket, body: dict[str, object]) -> None:
    data = json.dumps(body).encode()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(data), data))


@pytest.mark.parametrize("method", ["PATCH", "GET"])
def test_a_connection_lost_after_the_request_is_sent_is_never_taken_for_not_sent(tmp_path: pathlib.Path,
                                                                                 method: str) -> None:
    """The server reads the second request on a kept-alive connection whole
    (it may have acted on it) and dies before it answers. A GET is sent again,
    as Go's client replays it; a PATCH is not, and its failure must not say
    it never left: a rollout would report a written namespace as unwritten."""
    served: list[str] = []
    NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}

    def handle(conn: socket.socket, number: int) -> None:
        with conn:
            while (request := _read_request(conn)) is not None:
                served.append(f"{number} {request[0]}")
                if request[0] == "GET" and request[1] == "/version":
                    _answer(conn, VERSION)
                elif number == 0:
                    return  # read whole, never answered: the connection is closed
                else:
                    _answer(conn, NAMESPACE)

    listener, url = _raw_server(handle)
    cluster, _ = _kubeconfig(tmp_path, url)
    try:
        assert cluster.version() == VERSION
        if method == "GET":
            assert cluster.namespace_object("a") == NAMESPACE
            assert served == ["0 GET", "0 GET", "1 GET"]
        else:
            with pytest.raises(ApiError) as caught:
                cluster.patch_namespace("a", {"metadata": {"labels": {"x": "y"}}})
            assert caught.value.reason != NOT_SENT
            assert "cannot reach" in str(caught.value)
            assert served == ["0 GET", "0 PATCH"]
    finally:
        listener.close()


def test_a_write_on_a_connection_closed_while_idle_goes_once_on_a_new_one(tmp_path: pathlib.Path) -> None:
    """The server closes the kept-alive connection while it is idle: the PATCH
    is not written to it, but sent once, on a new connection."""
    served: list[str] = []

    def handle(conn: socket.socket, number: int) -> None:
        with conn:
            request = _read_request(conn)
            assert request is not None
            served.append(f"{number} {request[0]}")
            _answer(conn, VERSION if request[1] == "/version" else {"kind": "Namespace"})
            if number == 0:
                return  # the server closes it once answered, without saying so
            _read_request(conn)

    listener, url = _raw_server(handle)
    cluster, _ = _kubeconfig(tmp_path, url)
    try:
        assert cluster.version() == VERSION
        time.sleep(0.2)  # the close reaches the client
        response = cluster.patch_namespace("a", {"metadata": {"labels": {"x": "y"}}})
        assert response.status == 200 and response.attempts == 1
        assert served == ["0 GET", "1 PATCH"]
    finally:
        listener.close()
