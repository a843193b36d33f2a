"""atlassian-python-api 5.0.5 against the Confluence emulator (upstreams.md §11.1)."""

from __future__ import annotations

import warnings

import atlassian
import pytest
from atlassian import Confluence
from requests import HTTPError

from sandbox.atlassian.confluence.testing import start
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER


@pytest.fixture(scope="module")
def wiki():
    w, stop = start()
    yield w
    stop()


def _v2(url):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return atlassian.ConfluenceV2(url, username=DEMO_USER, password=DEMO_TOKEN, retry_with_header=False)


def test_generic_get_on_v1_search(wiki):
    conf = Confluence(url=wiki.wiki, username=DEMO_USER, password=DEMO_TOKEN, cloud=True, retry_with_header=False)
    res = conf.get(
        "rest/api/search",
        params={"cql": 'space = SHOP and label = "meeting-notes" and lastmodified >= startOfWeek()', "limit": 10},
    )
    assert sorted(int(r["content"]["id"]) for r in res["results"]) == sorted(wiki.fixtures["this_week_meeting_notes"])
    me = conf.get("rest/api/user/current")
    assert me["email"] == DEMO_USER
    # generic v2 calls through the same client
    page = conf.get(f"api/v2/pages/{wiki.fixtures['macro_page']}", params={"body-format": "storage"})
    assert 'ac:name="jira"' in page["body"]["storage"]["value"]
    created = conf.post(
        "api/v2/pages",
        data={
            "spaceId": "65542",
            "status": "current",
            "title": "Via generic post",
            "body": {"representation": "storage", "value": "<p>generic</p>"},
        },
    )
    updated = conf.put(
        f"api/v2/pages/{created['id']}",
        data={
            "id": created["id"],
            "status": "current",
            "title": "Via generic post",
            "version": {"number": 2, "message": "m"},
            "body": {"representation": "storage", "value": "<p>generic 2</p>"},
        },
    )
    assert updated["version"]["number"] == 2
    with pytest.raises(HTTPError) as exc:  # stale version
        conf.put(
            f"api/v2/pages/{created['id']}",
            data={
                "id": created["id"],
                "status": "current",
                "title": "Via generic post",
                "version": {"number": 2},
                "body": {"representation": "storage", "value": "<p>x</p>"},
            },
        )
    assert exc.value.response.status_code == 409
    # removed v1 content CRUD answers 410 Gone
    with pytest.raises(HTTPError) as exc:
        conf.get(f"rest/api/content/{wiki.fixtures['macro_page']}", params={"expand": "body.storage"})
    assert exc.value.response.status_code == 410
    # Confluence(cloud=True).get_content() builds {url}/content/{id}: not a Cloud path (upstreams.md §11.1)
    with pytest.raises(HTTPError) as exc:
        conf.get_content(wiki.fixtures["macro_page"])
    assert exc.value.response.status_code == 404


def test_confluence_v2_client(wiki):
    conf = _v2(wiki.wiki)
    spaces = conf.get_spaces(keys=["SHOP"])
    assert [s["key"] for s in spaces] == ["SHOP"]
    all_spaces = conf.get_spaces(limit=2)  # follows _links.next
    assert len(all_spaces) == 5
    pages = conf.get_pages(space_id="65542", limit=20, body_format="storage")
    assert len(pages) == len({p["id"] for p in pages}) > 60 and all("storage" in p["body"] for p in pages)
    with pytest.raises(HTTPError) as exc:  # without body_format the library sends body-format=none: not in the spec
        conf.get_pages(space_id="65542", limit=20)
    assert exc.value.response.status_code == 400
    page = conf.get_page_by_id(str(wiki.fixtures["macro_page"]), body_format="storage")
    assert page["title"] == "Checkout service — technical design" and page["body"]["storage"]["value"]
    kids = conf.get_child_pages(str(wiki.fixtures["meeting_notes_parent"]), limit=10)
    assert len(kids) == len(wiki.fixtures["old_meeting_notes"]) + 3
    labels = conf.get_page_labels(str(wiki.fixtures["macro_page"]))
    assert "webshop" in {x["name"] for x in labels}
    comments = conf.get_page_footer_comments(str(wiki.fixtures["macro_page"]), body_format="storage")
    assert comments and "storage" in comments[0]["body"]
    versions = conf.get_page_versions(str(wiki.fixtures["macro_page"]))
    assert versions["results"][0]["number"] >= 5
    created = conf.create_page(
        space_id="65538",
        title="Created by ConfluenceV2",
        body="<p>hello</p>",
        parent_id=str(wiki.fixtures["macro_page"]),
    )
    assert created["parentId"] == str(wiki.fixtures["macro_page"])
    # update_page reads the current version with body-format=none unless given one; the spec has no "none"
    with pytest.raises(HTTPError) as exc:
        conf.update_page(created["id"], title="Created by ConfluenceV2", body="<p>hello 2</p>", status="current")
    assert exc.value.response.status_code == 400
    upd = conf.update_page(
        created["id"], title="Created by ConfluenceV2", body="<p>hello 2</p>", status="current", version=1
    )
    assert upd["version"]["number"] == 2
    with pytest.raises(HTTPError) as exc:  # the library omits status/title when not given: Confluence answers 400
        conf.update_page(created["id"], body="<p>only a body</p>", version=2)
    assert exc.value.response.status_code == 400


def test_confluence_v2_through_gateway(wiki):
    conf = _v2(f"{wiki.base}/ex/confluence/0f5c2d7e-3b1a-4f8e-9c6d-2a4b8e1f7c30/wiki")
    pages = conf.get_pages(
        space_id="65541", limit=10, body_format="storage"
    )  # HR, several pages of results through the gateway prefix
    assert len(pages) > 10 and len(pages) == len({p["id"] for p in pages})
