"""openapi-core glue: load the Atlassian specs once, with the documented leniencies (upstreams.md §1.2)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_DIR = Path(__file__).resolve().parents[1] / "specs/atlassian"  # copies of ../shared/specs (see its README)
SPEC_HOST = "https://your-domain.atlassian.net"


def _walk(node, fn):
    if isinstance(node, dict):
        fn(node)
        for v in node.values():
            _walk(v, fn)
    elif isinstance(node, list):
        for v in node:
            _walk(v, fn)


def _drop_datetime_format(node: dict) -> None:
    if node.get("format") == "date-time" and node.get("type") == "string":
        node.pop("format")


def _lenient(spec: dict) -> dict:
    """Leniencies (documented):
    * Project.projectTypeKey also takes product_discovery (upstreams.md §1.2).
    * Jira emits timestamps as ``2024-05-01T12:34:56.789+0000`` (no colon in the offset), which is not RFC 3339
      ``date-time``; the format check is dropped, the type check stays.
    * Changelog items (ChangeDetails) carry ``null`` from/to values in real responses.
    * Agile query parameters declared as an empty ``object`` schema (e.g. board sprints ``state``) are
      comma-separated strings in reality.
    """

    def _fix_param(node: dict) -> None:
        if (
            node.get("in") == "query"
            and node.get("schema", {}).get("type") == "object"
            and not node["schema"].get("properties")
        ):
            node["schema"] = {"type": "string"}

    _walk(spec.get("paths", {}), _fix_param)
    _walk(spec.get("components", {}), _drop_datetime_format)
    _walk(spec.get("paths", {}), _drop_datetime_format)
    for prop in spec.get("components", {}).get("schemas", {}).get("ChangeDetails", {}).get("properties", {}).values():
        prop["nullable"] = True
    for _name, schema in spec.get("components", {}).get("schemas", {}).items():
        ptk = schema.get("properties", {}).get("projectTypeKey")
        if ptk and "enum" in ptk and "product_discovery" not in ptk["enum"]:
            ptk["enum"].append("product_discovery")
    return spec


def load(name: str) -> OpenAPI:
    spec = _lenient(json.loads((SPEC_DIR / name).read_text()))
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


class Req:
    def __init__(self, r):  # requests.PreparedRequest
        u = urlsplit(r.url)
        self.host_url = SPEC_HOST
        self.path = u.path
        self.full_url_pattern = SPEC_HOST + u.path
        self.method = r.method.lower()
        q = parse_qs(u.query, keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(q), header=Headers(dict(r.headers)), cookie=ImmutableMultiDict()
        )
        body = r.body
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = r.headers.get("Content-Type", "application/json") if body else "application/json"


class Resp:
    def __init__(self, r):  # requests.Response
        self.status_code = r.status_code
        self.data = r.content
        self.content_type = r.headers.get("Content-Type", "application/json").split(";")[0]
        self.headers = Headers(dict(r.headers))


def strip_prefix(path: str) -> str:
    if path.startswith("/ex/jira/"):
        return "/" + "/".join(path.split("/")[4:])
    return path
