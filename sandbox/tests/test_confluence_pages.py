"""Confluence v2: seed, cursor paging, bodies, tree, writes (409 on stale versions), comments, labels, faults."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from sandbox.atlassian.confluence.seed import week_start
from sandbox.atlassian.confluence.testing import NOW, start
from sandbox.common.control import SandboxControl


@pytest.fixture(scope="module")
def wiki():
    w, stop = start()
    yield w
    stop()


@pytest.fixture()
def control(wiki):
    c = SandboxControl(wiki.base)
    c.clear_faults()
    yield c
    c.clear_faults()
    c.configure(latency_ms=0, rate_limits=True)


def test_seed(wiki):
    st = wiki.app.state.confluence.store
    spaces = wiki.get("/api/v2/spaces").json()["results"]
    assert {s["key"]: s["name"] for s in spaces} == {
        "ENG": "Engineering",
        "PROD": "Product",
        "OPS": "Operations",
        "HR": "People",
        "SHOP": "Webshop",
    }
    assert {s["key"]: s["id"] for s in spaces}["SHOP"] == "65542"
    pages = [c for c in st.contents.values() if c.type == "page"]
    assert len(pages) >= 250 and len([c for c in st.contents.values() if c.type == "blogpost"]) >= 10
    assert sum(len(c.versions) > 1 for c in pages) > 150
    assert len({v.author_id for c in pages for v in c.versions}) > 10
    assert any(c.parent_comment_id for c in st.comments.values()) and st.attachments and st.labels
    macro = st.contents[wiki.fixtures["macro_page"]].body
    for needle in (
        'ac:name="jira"',
        '<ac:parameter ac:name="key">SHOP-1</ac:parameter>',
        'ac:name="status"',
        'ac:name="info"',
        'ac:name="note"',
        'ac:name="warning"',
        'ac:name="code"',
        '<ac:adf-node type="decision-list">',
        '<ac:adf-attribute key="state">DECIDED</ac:adf-attribute>',
        "<ac:task-list>",
        "<ac:task-status>incomplete</ac:task-status>",
        'ac:type="two_equal"',
        'ac:name="drawio"',
        'ac:name="legacy-metrics-widget"',
        "<table",
        "<h2>Decisions</h2>",
        '<ri:user ri:account-id="',
    ):
        assert needle in macro, needle
    assert len(st.contents[wiki.fixtures["large_page"]].body.encode()) > 100_000
    ws = week_start(NOW)
    for pid in wiki.fixtures["this_week_meeting_notes"]:
        c = st.contents[pid]
        assert ws <= c.created <= c.updated <= NOW and c.space_id == 65542
        assert "<h2>Decisions</h2>" in c.body or "<h2>Décisions</h2>" in c.body
    assert any("<h2>Décisions</h2>" in st.contents[p].body for p in wiki.fixtures["this_week_meeting_notes"])
    assert all(st.contents[p].updated < ws for p in wiki.fixtures["old_meeting_notes"])
    assert any(c.updated < NOW - timedelta(days=365) for c in pages)
    # deterministic ids
    w2, stop = start()
    try:
        assert w2.fixtures == wiki.fixtures
    finally:
        stop()


def test_v2_pages_cursor_paging_to_the_end(wiki):
    st = wiki.app.state.confluence.store
    expected = sorted(
        c.id
        for c in st.contents.values()
        if c.type == "page" and c.status in ("current", "archived") and c.restricted_to is None
    )
    r = wiki.get("/api/v2/pages")
    assert len(r.json()["results"]) == 25  # default limit
    seen = [int(p["id"]) for p in wiki.follow("/api/v2/pages?limit=40")]
    assert seen == expected
    via_header = [int(p["id"]) for p in wiki.follow("/api/v2/pages?limit=250&sort=-modified-date", via="header")]
    assert sorted(via_header) == expected and len(set(via_header)) == len(via_header)
    mod = [st.contents[i].updated for i in via_header]
    assert mod == sorted(mod, reverse=True)
    assert len(wiki.get("/api/v2/pages?limit=1000").json()["results"]) == 250
    r = wiki.get("/api/v2/pages?limit=5&space-id=65542&sort=title")
    link = r.headers["Link"]
    assert link.startswith("</wiki/api/v2/pages?") and 'rel="next"' in link
    assert (
        r.json()["_links"]["next"].startswith("/wiki/api/v2/pages?") and "space-id=65542" in r.json()["_links"]["next"]
    )
    titles = [p["title"].lower() for p in wiki.follow("/api/v2/pages?limit=7&space-id=65542&sort=title")]
    assert titles == sorted(titles)
    spaces = [s["key"] for s in wiki.follow("/api/v2/spaces?limit=2")]
    assert len(spaces) == 5 == len(set(spaces))
    assert wiki.get("/api/v2/pages?cursor=garbage").status_code == 400


def test_bodies_only_when_asked(wiki):
    macro = wiki.fixtures["macro_page"]
    assert wiki.get(f"/api/v2/pages/{macro}").json()["body"] == {}
    page = wiki.get(f"/api/v2/pages/{macro}?body-format=storage").json()
    st = wiki.app.state.confluence.store
    assert page["body"]["storage"]["value"] == st.contents[macro].body  # byte for byte
    assert set(page["version"]) >= {"number", "message", "createdAt", "authorId"}
    assert page["_links"]["webui"] == f"/spaces/ENG/pages/{macro}/Checkout+service+%E2%80%94+technical+design"
    assert page["_links"]["base"] == wiki.wiki
    adf = json.loads(
        wiki.get(f"/api/v2/pages/{macro}?body-format=atlas_doc_format").json()["body"]["atlas_doc_format"]["value"]
    )
    types = json.dumps(adf)
    for t in (
        "decisionList",
        "taskList",
        "layoutSection",
        "panel",
        "codeBlock",
        "status",
        "inlineCard",
        "extension",
        "table",
    ):
        assert f'"{t}"' in types, t
    big = wiki.get(f"/api/v2/pages/{wiki.fixtures['large_page']}?body-format=storage").json()
    assert len(big["body"]["storage"]["value"].encode()) > 100_000
    listed = wiki.get("/api/v2/pages?space-id=65538&limit=3&body-format=storage").json()["results"]
    assert all("storage" in p["body"] for p in listed)
    assert wiki.get(f"/api/v2/pages/{macro}?body-format=bogus").status_code == 400
    v1 = wiki.get(f"/api/v2/pages/{macro}?version=1&body-format=storage").json()
    assert v1["version"]["number"] == 1 and v1["status"] == "historical"


def test_tree_comments_labels_attachments_versions(wiki):
    fx = wiki.fixtures
    note = fx["this_week_meeting_notes"][0]
    anc = wiki.get(f"/api/v2/pages/{note}/ancestors").json()["results"]
    assert [a["id"] for a in anc][-1] == str(fx["meeting_notes_parent"]) and anc[0]["id"] == "98309"
    kids = list(wiki.follow(f"/api/v2/pages/{fx['meeting_notes_parent']}/direct-children?limit=10"))
    assert len(kids) == len(fx["old_meeting_notes"]) + 3 and all(k["type"] == "page" for k in kids)
    comments = wiki.get(f"/api/v2/pages/{fx['macro_page']}/footer-comments?body-format=storage").json()["results"]
    assert comments and comments[0]["body"]["storage"]["value"].startswith("<p>")
    replies = wiki.get(f"/api/v2/footer-comments/{comments[0]['id']}/children").json()["results"]
    assert replies and replies[0]["parentCommentId"] == comments[0]["id"]
    labels = {lab["name"] for lab in wiki.get(f"/api/v2/pages/{fx['macro_page']}/labels").json()["results"]}
    assert {"webshop", "checkout"} <= labels
    atts = wiki.get(f"/api/v2/pages/{fx['macro_page']}/attachments").json()["results"]
    assert {a["title"] for a in atts} >= {"architecture-diagram.png"} and all(a["id"].startswith("att") for a in atts)
    versions = wiki.get(f"/api/v2/pages/{fx['macro_page']}/versions").json()["results"]
    assert [v["number"] for v in versions] == [5, 4, 3, 2, 1] and len({v["authorId"] for v in versions}) == 3
    assert wiki.get(f"/api/v2/pages/{fx['restricted_page']}/labels").status_code == 404


def test_create_update_conflict_and_comments(wiki):
    r = wiki.post(
        "/api/v2/pages",
        {
            "spaceId": "65542",
            "status": "current",
            "title": "Sandbox write test",
            "body": {"representation": "storage", "value": "<p>v1</p>"},
        },
    )
    assert r.status_code == 200, r.text
    page = r.json()
    pid = page["id"]
    assert page["version"]["number"] == 1 and page["parentId"] == "98309"  # under the space homepage
    dup = wiki.post(
        "/api/v2/pages",
        {
            "spaceId": "65542",
            "status": "current",
            "title": "Sandbox write test",
            "body": {"representation": "storage", "value": "<p>x</p>"},
        },
    )
    assert dup.status_code == 400 and "already exists" in dup.json()["errors"][0]["title"]
    body = {
        "id": pid,
        "status": "current",
        "title": "Sandbox write test",
        "version": {"number": 2, "message": "second"},
        "body": {"representation": "storage", "value": '<p>v2 <ac:structured-macro ac:name="status" /></p>'},
    }
    r = wiki.put(f"/api/v2/pages/{pid}", body)
    assert r.status_code == 200 and r.json()["version"]["number"] == 2 and r.json()["version"]["message"] == "second"
    stale = wiki.put(f"/api/v2/pages/{pid}", body)
    assert stale.status_code == 409
    assert stale.json() == {
        "errors": [
            {
                "status": 409,
                "code": "CONFLICT",
                "title": "Version must be incremented when "
                "updating a page. Current Version: [2]. Provided version: [2]",
                "detail": None,
            }
        ]
    }
    skip = wiki.put(f"/api/v2/pages/{pid}", {**body, "version": {"number": 9}})
    assert skip.status_code == 409 and "Provided version: [9]" in skip.json()["errors"][0]["title"]
    for missing in ("id", "status", "title", "body", "version"):
        partial = {k: v for k, v in body.items() if k != missing}
        assert wiki.put(f"/api/v2/pages/{pid}", partial).status_code == 400, missing
    moved = wiki.put(f"/api/v2/pages/{pid}", {**body, "version": {"number": 3}, "spaceId": "65538"})
    assert moved.status_code == 400
    got = wiki.get(f"/api/v2/pages/{pid}?body-format=storage").json()
    assert got["body"]["storage"]["value"] == body["body"]["value"]
    nested = wiki.put(
        f"/api/v2/pages/{pid}",
        {**body, "version": {"number": 3}, "body": {"storage": {"value": "<p>v3</p>", "representation": "storage"}}},
    )
    assert nested.status_code == 200 and nested.json()["body"]["storage"]["value"] == "<p>v3</p>"
    hits = wiki.get(
        "/rest/api/search", params={"cql": 'title ~ "Sandbox write test" and lastmodified >= startOfDay()'}
    ).json()
    assert [h["content"]["id"] for h in hits["results"]] == [pid]
    # comments and replies
    c = wiki.post(
        "/api/v2/footer-comments", {"pageId": pid, "body": {"representation": "storage", "value": "<p>Nice</p>"}}
    )
    assert c.status_code == 201 and c.json()["pageId"] == pid
    rep = wiki.post(
        "/api/v2/footer-comments",
        {"parentCommentId": c.json()["id"], "body": {"representation": "storage", "value": "<p>Thanks</p>"}},
    )
    assert rep.status_code == 201 and rep.json()["parentCommentId"] == c.json()["id"]
    assert (
        wiki.post(
            "/api/v2/footer-comments", {"pageId": "1", "body": {"representation": "storage", "value": "<p>x</p>"}}
        ).status_code
        == 404
    )
    assert wiki.post("/api/v2/footer-comments", {"pageId": pid}).status_code == 400
    # labels via v1
    r = wiki.post(
        f"/rest/api/content/{pid}/label", [{"prefix": "global", "name": "Sandbox"}, {"prefix": "global", "name": "two"}]
    )
    assert r.status_code == 200 and {x["name"] for x in r.json()["results"]} == {"sandbox", "two"}
    assert wiki.post(f"/rest/api/content/{pid}/label", {"prefix": "global", "name": "three"}).json()["size"] == 3
    assert wiki.post(f"/rest/api/content/{pid}/label", [{"prefix": "global", "name": "bad label"}]).status_code == 400
    assert wiki.get("/rest/api/search", params={"cql": "label = sandbox"}).json()["results"][0]["content"]["id"] == pid
    assert wiki.delete(f"/rest/api/content/{pid}/label/two").status_code == 204
    assert wiki.delete(f"/rest/api/content/{pid}/label?name=three").status_code == 204
    assert wiki.delete(f"/rest/api/content/{pid}/label/two").status_code == 404
    assert [x["name"] for x in wiki.get(f"/api/v2/pages/{pid}/labels").json()["results"]] == ["sandbox"]
    assert wiki.post("/rest/api/content/1/label", [{"prefix": "global", "name": "x"}]).status_code == 404
    # delete → trashed → 404, restore with PUT status=current
    assert wiki.delete(f"/api/v2/pages/{pid}").status_code == 204
    assert wiki.get("/api/v2/pages?title=Sandbox%20write%20test").json()["results"] == []
    restored = wiki.put(f"/api/v2/pages/{pid}", {**body, "version": {"number": 4}})
    assert restored.status_code == 200 and restored.json()["status"] == "current"


def test_auth_and_gateway(wiki):
    assert requests.get(wiki.wiki + "/api/v2/pages", timeout=10).status_code == 401
    r = requests.get(wiki.wiki + "/rest/api/user/current", auth=("alice@example.com", "wrong"), timeout=10)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    r = requests.get(wiki.wiki + "/rest/api/user/current", headers={"Authorization": "Bearer pat-bob"}, timeout=10)
    assert r.json()["email"] == "bob@example.com"
    gw = f"{wiki.base}/ex/confluence/0f5c2d7e-3b1a-4f8e-9c6d-2a4b8e1f7c30/wiki"
    r = wiki.s.get(gw + f"/api/v2/pages/{wiki.fixtures['macro_page']}", timeout=10)
    assert r.status_code == 200 and r.json()["_links"]["base"] == gw
    me = wiki.get("/rest/api/user/current").json()
    assert me["accountId"] and me["type"] == "known" and me["_links"]["base"] == wiki.wiki


def test_rate_limit_and_faults(wiki, control):
    control.configure(rate_limits={"GET": 3})
    last = None
    for _ in range(8):
        last = wiki.get("/api/v2/spaces")
        if last.status_code == 429:
            break
    assert last.status_code == 429
    assert last.headers["RateLimit-Reason"] == "confluence-burst-based" and int(last.headers["Retry-After"]) >= 1
    assert last.json()["errors"][0]["status"] == 429
    control.configure(rate_limits=True)
    control.fault(kind="status", status=503, retry_after=5, path=r"/wiki/rest/api/search$", times=1)
    r = wiki.get("/rest/api/search", params={"cql": "type = page"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "5" and r.json()["statusCode"] == 503
    assert wiki.get("/rest/api/search", params={"cql": "type = page"}).status_code == 200
    control.fault(kind="rate_limit", retry_after=2, path=r"/wiki/api/v2/pages")
    r = wiki.get("/api/v2/pages")
    assert r.status_code == 429 and r.headers["RateLimit-Reason"] == "confluence-burst-based"
    control.fault(kind="expired_credentials", path="/wiki/")
    r = wiki.get("/api/v2/pages")
    assert r.status_code == 401 and r.json()["errors"][0]["status"] == 401
    # a failing write is not applied; after_write applies it and then fails
    macro = wiki.fixtures["macro_page"]
    cur = wiki.get(f"/api/v2/pages/{macro}").json()["version"]["number"]
    upd = {
        "id": str(macro),
        "status": "current",
        "title": "Checkout service — technical design",
        "body": {
            "representation": "storage",
            "value": wiki.get(f"/api/v2/pages/{macro}?body-format=storage").json()["body"]["storage"]["value"],
        },
        "version": {"number": cur + 1},
    }
    control.fault(kind="status", status=500, method="PUT", path=rf"/pages/{macro}$")
    assert wiki.put(f"/api/v2/pages/{macro}", upd).status_code == 500
    assert wiki.get(f"/api/v2/pages/{macro}").json()["version"]["number"] == cur
    control.fault(kind="status", status=502, method="PUT", path=rf"/pages/{macro}$", after_write=True)
    assert wiki.put(f"/api/v2/pages/{macro}", upd).status_code == 502
    assert wiki.get(f"/api/v2/pages/{macro}").json()["version"]["number"] == cur + 1
    assert wiki.put(f"/api/v2/pages/{macro}", upd).status_code == 409  # the retry is now stale
    log = control.requests()
    assert any(e["path"] == f"/wiki/api/v2/pages/{macro}" and e["status"] == 409 for e in log)
