"""Lists read page by page (limit/continue, as kubectl's chunking), with the
next page asked for while this one is handled, and the items' managedFields
cut from the raw JSON before it is decoded."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .resources import Resource
from .transport import Response, decode

if TYPE_CHECKING:
    from .client import Cluster

PAGE_SIZE = 500  # kubectl's chunk size


def pages(cluster: Cluster, resource: Resource, namespace: str | None = None,
          selector: str | None = None, limit: int = PAGE_SIZE, raw: bool = False) -> Iterator[Any]:
    """The collection page by page; each item gets its apiVersion and kind,
    which list items do not carry, and loses its managedFields, which nothing
    here reads (half of a list's bytes). raw=True: each page as the list's
    undecoded JSON bytes instead (for decoding elsewhere).
    The next page is asked for as soon as this one's continue token is read
    from the head of the answer, so the server prepares it meanwhile."""
    path = resource.collection_path(namespace)

    def fetch(token: str | None) -> Response:
        query: list[tuple[str, Any]] = [("limit", limit)]
        if selector:
            query.append(("labelSelector", selector))
        if token:
            query.append(("continue", token))
        response = cluster.request("GET", path, query, decode=False)
        if 200 <= response.status < 300:
            response = response._replace(body=without_managed_fields(response.body))
        return response

    with ThreadPoolExecutor(max_workers=1) as ahead:
        token: str | None = None
        pending = ahead.submit(fetch, token)
        while True:
            response = pending.result()
            head = peek_metadata(response.body) if 200 <= response.status < 300 else None
            peeked = _continue_token({"metadata": head}) if head is not None else None
            if peeked:
                pending = ahead.submit(fetch, peeked)
            if raw and head is not None:
                yield response.body
                token = peeked
            else:
                response = response._replace(body=decode(response.body))
                if response.status == 410 and token:
                    # The continue token expired: carry on from where the server says,
                    # as client-go's pager does (the rest of the list may then be newer).
                    token = _continue_token(response.body)
                    if token:
                        pending = ahead.submit(fetch, token)
                        continue
                if not 200 <= response.status < 300:
                    raise cluster.fail("GET", path, response)
                page = response.body
                items = page.get("items") or []
                for item in items:
                    item["apiVersion"], item["kind"] = resource.api_version, resource.kind
                yield json.dumps(page).encode() if raw else items
                token = _continue_token(page)
            if not token:
                return
            if token != peeked:  # the head did not show it: ask now
                pending = ahead.submit(fetch, token)


_HEAD = 4096
_METADATA = b'"metadata":'


def peek_metadata(data: Any) -> dict[str, Any] | None:
    """A list's metadata (its continue token) from the head of its raw JSON
    (the API server writes kind, apiVersion, metadata, then items), without
    decoding the page; None when the head does not show it."""
    if not isinstance(data, bytes) or not data.startswith(b'{"kind":'):
        return None
    start = data.find(_METADATA, 0, _HEAD)
    if start < 0:
        return None
    try:
        meta, _ = json.JSONDecoder().raw_decode(data[:_HEAD].decode("utf-8", "replace"),
                                                start + len(_METADATA))
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


_MANAGED_FIELDS = b',"managedFields":['
_METADATA_END = b']},"'
_ITEM_START = b'{"metadata":{'


def without_managed_fields(data: Any) -> Any:
    """A list page's JSON without the items' metadata.managedFields, cut as
    bytes. The API server writes ObjectMeta's fields in declaration order, so
    managedFields comes last in metadata, and its array closes with the `]}`
    that also closes metadata, before the item's next key (`,"`). That sequence
    cannot occur earlier: managedFields holds no other array, `]` appears in it
    only within field-path strings, and inside strings quotes are escaped. An
    item whose metadata is its last key is left whole (the search would run into
    the next item), and so is anything that is not the API server's JSON."""
    if not isinstance(data, bytes) or not data.startswith(b'{"kind":'):
        return data
    find, parts, position, search = data.find, [], 0, 0
    while (start := find(_MANAGED_FIELDS, search)) >= 0:
        end = find(_METADATA_END, start)
        if end < 0:
            break
        if find(_ITEM_START, start, end) >= 0:  # this item has no spec: left whole
            search = start + 1
            continue
        parts.append(data[position:start])
        position = search = end + 1  # keep the "}" that closes metadata
    if not parts:
        return data
    parts.append(data[position:])
    return b"".join(parts)


def _continue_token(body: Any) -> str | None:
    meta = body.get("metadata") if isinstance(body, Mapping) else None
    return (meta or {}).get("continue") or None
