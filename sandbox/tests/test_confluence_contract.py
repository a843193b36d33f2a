"""Confluence emulator responses (and our requests) validated against confluence-v2.json / confluence-v1.json.

Leniencies (upstreams.md §1.2, plus what the spec files get wrong themselves):
* ``OnlyArchivedAndCurrentContentStatus`` also takes ``draft``.
* ``PageUpdateRequest.spaceId/parentId/ownerId`` are declared with ``format: string`` and no type: typed as strings.
* Scalar ``sort`` parameters carry a stray ``items``: removed.
* Page/comment write bodies are ``oneOf [PageBodyWrite, PageNestedBodyWrite]``; the two schemas are not mutually
  exclusive (no required fields, additional properties allowed), so a correct body matches both: ``anyOf``.
* Servers: v2 paths are relative to ``https://{your-domain}/wiki/api/v2``, v1 to ``//your-domain.atlassian.net``;
  both are pinned to the concrete test host.
* The 409 of a stale ``PUT /pages/{id}`` and the 410 of removed v1 paths are not in the specs: their bodies are
  checked by hand (v2 ``errors`` shape, v1 ``statusCode``/``message``). Error responses declared without a body
  schema are checked only for status code.
"""

from __future__ import annotations

import json

import pytest
from openapi_core import Config, OpenAPI

from sandbox.atlassian.confluence.testing import start

from .openapi_support import SPEC_DIR, SPEC_HOST, Req, Resp, _walk

V2_SERVER = SPEC_HOST + "/wiki/api/v2"


def _lenient(spec: dict, server: str) -> dict:
    spec["servers"] = [{"url": server}]
    sc = spec.get("components", {}).get("schemas", {})
    st = sc.get("OnlyArchivedAndCurrentContentStatus")
    if st and "draft" not in st["enum"]:
        st["enum"].append("draft")
    req = spec.get("components", {}).get("requestBodies", {}).get("PageUpdateRequest")
    if req:
        props = req["content"]["application/json"]["schema"]["properties"]
        for k in ("spaceId", "parentId", "ownerId"):
            if "type" not in props.get(k, {"type": 1}):
                props[k]["type"] = "string"
                props[k].pop("format", None)

    def fix(node: dict) -> None:
        if node.get("in") == "query" and isinstance(node.get("schema"), dict):
            s = node["schema"]
            if "items" in s and s.get("type") not in (None, "array"):
                s.pop("items")
        if "oneOf" in node and any("BodyWrite" in json.dumps(x) for x in node["oneOf"]):
            node["anyOf"] = node.pop("oneOf")

    _walk(spec, fix)
    return spec


def _load(name: str, server: str) -> OpenAPI:
    spec = _lenient(json.loads((SPEC_DIR / name).read_text()), server)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@pytest.fixture(scope="module")
def wiki():
    w, stop = start()
    yield w
    stop()


@pytest.fixture(scope="module")
def v2():
    return _load("confluence-v2.json", V2_SERVER)


@pytest.fixture(scope="module")
def v1():
    return _load("confluence-v1.json", SPEC_HOST)


def _errs(exc):
    errs = getattr(exc, "schema_errors", None) or getattr(getattr(exc, "__cause__", None), "schema_errors", None)
    if errs:
        return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errs][:10]
    return repr(exc)[:600] + " / " + repr(getattr(exc, "__cause__", None))[:600]


def _check(spec, resp, expect):
    assert resp.status_code == expect, resp.text[:500]
    req, res = Req(resp.request), Resp(resp)
    try:
        spec.validate_request(req)
        if 200 <= resp.status_code < 300 and resp.content:
            spec.validate_response(req, res)
    except Exception as exc:
        raise AssertionError(f"{resp.request.method} {resp.request.url}: {type(exc).__name__} {_errs(exc)}") from None


def test_v2_calls_validate(wiki, v2):
    fx = wiki.fixtures
    macro, big, note = fx["macro_page"], fx["large_page"], fx["this_week_meeting_notes"][0]
    comment = wiki.get(f"/api/v2/pages/{macro}/footer-comments").json()["results"][0]["id"]
    att = wiki.get(f"/api/v2/pages/{macro}/attachments").json()["results"][0]["id"]
    calls = [
        ("GET", "/api/v2/spaces?keys=SHOP&keys=ENG&limit=10", None, 200),
        ("GET", "/api/v2/spaces?limit=2&sort=-name&description-format=plain", None, 200),
        ("GET", "/api/v2/spaces/65542?description-format=view&include-labels=true", None, 200),
        ("GET", "/api/v2/pages?space-id=65542&limit=5&sort=-modified-date&body-format=storage", None, 200),
        ("GET", "/api/v2/pages?title=Runbooks&status=current&status=archived", None, 200),
        ("GET", f"/api/v2/pages/{macro}?body-format=storage&include-labels=true&include-versions=true", None, 200),
        ("GET", f"/api/v2/pages/{macro}?body-format=atlas_doc_format", None, 200),
        ("GET", f"/api/v2/pages/{macro}?body-format=view", None, 200),
        ("GET", f"/api/v2/pages/{big}?version=1", None, 200),
        ("GET", f"/api/v2/pages/{macro}/direct-children", None, 200),
        ("GET", f"/api/v2/pages/{note}/ancestors", None, 200),
        ("GET", f"/api/v2/pages/{fx['meeting_notes_parent']}/descendants?limit=5", None, 200),
        ("GET", f"/api/v2/pages/{macro}/footer-comments?body-format=storage", None, 200),
        ("GET", f"/api/v2/pages/{macro}/inline-comments", None, 200),
        ("GET", f"/api/v2/footer-comments/{comment}?body-format=storage", None, 200),
        ("GET", f"/api/v2/footer-comments/{comment}/children?body-format=storage", None, 200),
        ("GET", f"/api/v2/pages/{macro}/labels", None, 200),
        ("GET", f"/api/v2/pages/{macro}/attachments", None, 200),
        ("GET", f"/api/v2/pages/{macro}/properties", None, 200),
        ("GET", f"/api/v2/pages/{macro}/properties?key=emoji-title-published", None, 200),
        ("GET", f"/api/v2/attachments/{att}", None, 200),
        ("GET", f"/api/v2/pages/{macro}/versions?limit=3", None, 200),
        ("GET", f"/api/v2/pages/{macro}/versions/2", None, 200),
        ("GET", "/api/v2/blogposts?limit=5&body-format=storage", None, 200),
        ("GET", f"/api/v2/blogposts/{fx['blogposts'][0]}?body-format=storage", None, 200),
        ("GET", "/api/v2/spaces/65538/pages?depth=root", None, 200),
        ("GET", "/api/v2/pages/1", None, 404),
        ("GET", f"/api/v2/pages/{fx['restricted_page']}", None, 404),
    ]
    for method, path, body, expect in calls:
        _check(v2, wiki.s.request(method, wiki.wiki + path, json=body, timeout=10), expect)

    created = wiki.post(
        "/api/v2/pages",
        {
            "spaceId": "65538",
            "status": "current",
            "title": "Contract test page",
            "parentId": str(macro),
            "body": {"representation": "storage", "value": "<p>Hello</p>"},
        },
    )
    _check(v2, created, 200)
    pid = created.json()["id"]
    upd = wiki.put(
        f"/api/v2/pages/{pid}",
        {
            "id": pid,
            "status": "current",
            "title": "Contract test page (edited)",
            "body": {"representation": "storage", "value": "<p>Hello again</p>"},
            "version": {"number": 2, "message": "edit"},
        },
    )
    _check(v2, upd, 200)
    cm = wiki.post(
        "/api/v2/footer-comments", {"pageId": pid, "body": {"representation": "storage", "value": "<p>c</p>"}}
    )
    _check(v2, cm, 201)
    reply = wiki.post(
        "/api/v2/footer-comments",
        {"parentCommentId": cm.json()["id"], "body": {"representation": "storage", "value": "<p>r</p>"}},
    )
    _check(v2, reply, 201)


def test_v2_error_shapes_not_in_spec(wiki):
    macro = wiki.fixtures["macro_page"]
    cur = wiki.get(f"/api/v2/pages/{macro}").json()["version"]["number"]
    r = wiki.put(
        f"/api/v2/pages/{macro}",
        {
            "id": str(macro),
            "status": "current",
            "title": "x",
            "body": {"representation": "storage", "value": "<p/>"},
            "version": {"number": cur},
        },
    )
    assert r.status_code == 409
    err = r.json()["errors"][0]
    assert set(err) == {"status", "code", "title", "detail"} and err["status"] == 409 and err["code"] == "CONFLICT"
    for r in (wiki.get("/api/v2/pages/abc"), wiki.get("/api/v2/nope")):
        assert r.status_code in (400, 404) and set(r.json()["errors"][0]) == {"status", "code", "title", "detail"}


def test_v1_calls_validate(wiki, v1):
    macro = wiki.fixtures["macro_page"]
    calls = [
        ("GET", "/rest/api/search?cql=space%20%3D%20SHOP%20and%20type%20%3D%20page&limit=5", 200),
        (
            "GET",
            "/rest/api/search?cql=text%20~%20%22checkout%22&limit=3&expand=content.space,content.version,content.history.lastUpdated,content.metadata.labels,content.ancestors,content.body.storage",
            200,
        ),
        (
            "GET",
            "/rest/api/search?cql=lastmodified%20%3E%3D%20%222026-11-01%22%20order%20by%20lastmodified%20asc&limit=10&start=5",
            200,
        ),
        ("GET", "/rest/api/search?cql=foo%20%3D%20bar", 400),
        ("GET", "/rest/api/content/search?cql=label%20%3D%20webshop&limit=4&expand=space,version,body.storage", 200),
        ("GET", "/rest/api/user/current", 200),
    ]
    for method, path, expect in calls:
        _check(v1, wiki.s.request(method, wiki.wiki + path, timeout=10), expect)
    r = wiki.post(f"/rest/api/content/{macro}/label", [{"prefix": "global", "name": "contract-label"}])
    _check(v1, r, 200)
    _check(v1, wiki.delete(f"/rest/api/content/{macro}/label/contract-label"), 204)


def test_removed_v1_paths_answer_410(wiki):
    macro = wiki.fixtures["macro_page"]
    for method, path in [
        ("GET", f"/rest/api/content/{macro}"),
        ("PUT", f"/rest/api/content/{macro}"),
        ("POST", "/rest/api/content"),
        ("GET", "/rest/api/content?spaceKey=ENG"),
        ("GET", "/rest/api/space/ENG"),
        ("GET", "/rest/api/space"),
        ("GET", f"/rest/api/content/{macro}/child/page"),
    ]:
        r = wiki.s.request(method, wiki.wiki + path, json={} if method != "GET" else None, timeout=10)
        assert r.status_code == 410, (method, path, r.status_code)
        body = r.json()
        assert body["statusCode"] == 410 and "GoneException" in body["message"]
