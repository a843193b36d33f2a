"""Validate the tests' requests and the emulator's responses against Microsoft's Graph v1.0 Files OpenAPI slice
(a verbatim copy in ../specs).

The spec is 2.7 MB: it is parsed once per test session and cut down to the paths the emulator serves (plus every
component they reference) before openapi-core builds its validator.

Leniency (documented): the SDK-generated slice declares ``additionalProperties: {type: object}`` on every schema,
its way of saying "OData open type". Real Graph bodies carry string annotations there (``@odata.context``,
``@odata.etag``, ``@microsoft.graph.downloadUrl``, ``innerError.request-id``), so the rule is dropped; every declared
property keeps its type, format and pattern checks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC = Path(__file__).resolve().parents[1] / "specs" / "graph-v1.0-files.yml"
SERVER = "https://graph.microsoft.com/v1.0"
SERVED = [
    "/drives/{drive-id}",
    "/drives/{drive-id}/root",
    "/drives/{drive-id}/items/{driveItem-id}",
    "/drives/{drive-id}/items/{driveItem-id}/children",
    "/drives/{drive-id}/items/{driveItem-id}/content",
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.delta()",
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.delta(token='{token}')",
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.search(q='{q}')",
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.createUploadSession",
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.invite",
    "/drives/{drive-id}/items/{driveItem-id}/microsoft.graph.createLink",
    "/drives/{drive-id}/items/{driveItem-id}/permissions",
    "/drives/{drive-id}/items/{driveItem-id}/permissions/{permission-id}",
    "/drives/{drive-id}/microsoft.graph.search(q='{q}')",
    "/drives/{drive-id}/microsoft.graph.sharedWithMe()",
    "/drives/{drive-id}/microsoft.graph.recent()",
    "/shares/{sharedDriveItem-id}",
    "/shares/{sharedDriveItem-id}/driveItem",
    "/users/{user-id}/drive",
    "/users/{user-id}/drives",
]


def _refs(node: object, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _open_types_allowed(node: object) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("additionalProperties"), dict):
            node.pop("additionalProperties")
        for value in node.values():
            _open_types_allowed(value)
    elif isinstance(node, list):
        for value in node:
            _open_types_allowed(value)


def sliced_spec() -> dict:
    full = yaml.load(SPEC.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    paths = {p: full["paths"][p] for p in SERVED}
    components: dict[str, dict] = {}
    pending: set[str] = set()
    _refs(paths, pending)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        target = full["components"][kind][name]
        components.setdefault(kind, {})[name] = target
        _refs(target, pending)
    spec = {
        "openapi": full["openapi"],
        "info": full["info"],
        "servers": full["servers"],
        "paths": paths,
        "components": components,
    }
    _open_types_allowed(spec)
    return spec


@lru_cache(maxsize=1)
def graph_openapi() -> OpenAPI:
    return OpenAPI.from_dict(sliced_spec(), config=Config(spec_validator_cls=None))


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = "https://graph.microsoft.com"
        self.path = url.path  # /v1.0/drives/...: the spec's server URL ends in /v1.0/
        self.full_url_pattern = self.host_url + url.path
        self.method = request.method.lower()
        query = parse_qs(url.query, keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query), header=Headers(dict(request.headers)), cookie=ImmutableMultiDict()
        )
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("content-type", "application/json").split(";")[0]
        self.headers = Headers(dict(response.headers))


def validate(response: httpx.Response) -> None:
    """Raise if the request (its path spelled as in the spec) or its ``response`` breaks the spec."""
    request = _Request(response.request)
    graph_openapi().validate_request(request)
    graph_openapi().validate_response(request, _Response(response))
