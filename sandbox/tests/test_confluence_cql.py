"""CQL subset on /wiki/rest/api/search and /content/search: fields, operators, dates, ordering, 400s, paging."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from sandbox.atlassian.confluence.testing import NOW, start
from sandbox.atlassian.users import DEMO_ACCOUNT_ID, user


@pytest.fixture(scope="module")
def wiki():
    w, stop = start()
    yield w
    stop()


def search(wiki, cql, **params):
    q = "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    r = wiki.get(f"/rest/api/search?cql={quote(cql)}" + (f"&{q}" if q else ""))
    return r


def ids(wiki, cql, limit=250):
    r = search(wiki, cql, limit=100)
    assert r.status_code == 200, r.text
    return [int(x["content"]["id"]) for x in wiki.follow(f"/rest/api/search?cql={quote(cql)}&limit=100")][:limit]


def store(wiki):
    return wiki.app.state.confluence.store


def test_this_week_decisions_in_project_space(wiki):
    fx = wiki.fixtures
    got = ids(
        wiki, 'space = SHOP and label = "meeting-notes" and lastmodified >= startOfWeek() order by lastmodified desc'
    )
    assert sorted(got) == sorted(fx["this_week_meeting_notes"])
    # the same through the "webshop" label and text search
    got2 = ids(wiki, 'label = webshop and type = page and text ~ "decisions" and lastmodified >= startOfWeek()')
    assert set(fx["this_week_meeting_notes"]) <= set(got2)
    assert not set(fx["old_meeting_notes"]) & set(got2)
    # ISO week: Monday 00:00 in the caller's zone (Alice: Europe/Paris)
    local = NOW.astimezone(ZoneInfo("Europe/Paris"))
    monday = (local - timedelta(days=local.weekday())).strftime("%Y-%m-%d")
    assert sorted(ids(wiki, f'space = SHOP and label = "meeting-notes" and lastmodified >= "{monday}"')) == sorted(
        fx["this_week_meeting_notes"]
    )


def test_fields_and_operators(wiki):
    st = store(wiki)
    eng = ids(wiki, "space = ENG and type = page")
    assert eng and all(st.spaces[st.contents[i].space_id].key == "ENG" for i in eng)
    assert set(ids(wiki, "space.key = ENG and type = page")) == set(eng)
    both = ids(wiki, "space in (HR, OPS)")
    assert {st.spaces[st.contents[i].space_id].key for i in both} == {"HR", "OPS"}
    blogs = ids(wiki, "type = blogpost")
    assert sorted(blogs) == sorted(wiki.fixtures["blogposts"])
    assert all("checkout" in st.contents[i].title.lower() for i in ids(wiki, 'title ~ "checkout"'))
    labelled = ids(wiki, "label in (runbook, postmortem)")
    assert all({"runbook", "postmortem"} & set(st.label_names(st.contents[i])) for i in labelled)
    mine = ids(wiki, "creator = currentUser()")
    assert mine and all(st.contents[i].author_id == DEMO_ACCOUNT_ID for i in mine)
    assert set(ids(wiki, f"creator = {DEMO_ACCOUNT_ID}")) == set(mine)
    contrib = ids(wiki, f'contributor = "{user("bob").account_id}"')
    assert contrib and all(user("bob").account_id in st.contents[i].contributors for i in contrib)
    # NOT, binary NOT, parentheses, OR
    not_eng = ids(wiki, "type = page and not space = ENG")
    assert not set(not_eng) & set(eng)
    assert set(ids(wiki, "space = ENG NOT label = runbook")) == set(ids(wiki, "space = ENG and not label = runbook"))
    assert set(ids(wiki, "(space = HR or space = OPS) and type = page")) <= set(both)
    assert ids(wiki, f"ancestor = {wiki.fixtures['meeting_notes_parent']} and lastmodified >= startOfWeek()")


def test_dates(wiki):
    st = store(wiki)
    old = ids(wiki, 'lastmodified < "2025-11-01"')
    assert old and all(st.contents[i].updated < datetime(2025, 11, 1, tzinfo=ZoneInfo("Europe/Paris")) for i in old)
    recent = ids(wiki, 'created > now("-7d")')
    assert all(st.contents[i].created > NOW - timedelta(days=7, minutes=1) for i in recent)
    assert set(wiki.fixtures["this_week_meeting_notes"]) <= set(recent)
    minute = ids(wiki, 'lastmodified >= "2026-11-16 00:00" and lastmodified <= endOfWeek()')
    assert set(wiki.fixtures["this_week_meeting_notes"]) <= set(minute)
    last_week = ids(
        wiki, 'lastmodified >= startOfWeek("-1w") and lastmodified < startOfWeek() and label = "meeting-notes"'
    )
    assert last_week == [wiki.fixtures["old_meeting_notes"][-1]]
    assert ids(wiki, "created >= startOfMonth() and created <= endOfMonth()")
    assert ids(wiki, 'created < startOfYear("-1y")')


def test_order_by(wiki):
    st = store(wiki)
    asc = ids(wiki, "space = SHOP order by lastmodified asc")
    times = [st.contents[i].updated for i in asc]
    assert times == sorted(times)
    titles = [st.contents[i].title.lower() for i in ids(wiki, "space = HR order by title desc")]
    assert titles == sorted(titles, reverse=True)
    created = [st.contents[i].created for i in ids(wiki, "space = OPS order by created desc")]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(
    "cql",
    [
        "foo = bar",
        "space = ",
        "title ~ (",
        "space ~ ENG",
        "text = hello",
        "type = page order by bogus",
        'created > "last tuesday"',
        "user = bob",
        'user.fullname ~ "Paul"',
        "user.accountid = x",
        "created > nowish()",
        "",
    ],
)
def test_bad_cql_is_400(wiki, cql):
    r = search(wiki, cql)
    assert r.status_code == 400, (cql, r.text)
    body = r.json()
    assert body["statusCode"] == 400 and body["message"].startswith(
        "com.atlassian.confluence.api.service.exceptions.BadRequestException"
    )
    if cql and not cql.startswith("type = page order"):
        assert "Could not parse cql" in body["message"]


def test_search_result_shape_and_links(wiki):
    r = search(wiki, 'text ~ "checkout" and space = ENG', limit=3)
    body = r.json()
    assert body["limit"] == 3 and body["size"] == 3 and body["start"] == 0 and body["totalSize"] > 3
    assert body["cqlQuery"] == 'text ~ "checkout" and space = ENG'
    assert body["_links"]["base"] == wiki.wiki and body["_links"]["context"] == "/wiki"
    assert body["_links"]["next"].startswith("/rest/api/search?") and "cursor=" in body["_links"]["next"]
    res = body["results"][0]
    c = res["content"]
    assert set(c) >= {"id", "type", "status", "title", "_links"} and c["_links"]["webui"].startswith(
        "/spaces/ENG/pages/"
    )
    assert res["url"] == c["_links"]["webui"] and "+" in res["url"].rsplit("/", 1)[1]
    assert "@@@hl@@@" in res["excerpt"] + res["title"] and res["lastModified"].endswith("Z")
    assert res["friendlyLastModified"]
    plain = search(wiki, 'text ~ "checkout"', excerpt="none", limit=1).json()["results"][0]
    assert plain["excerpt"] == ""
    # the gateway form puts its own prefix in _links.base
    g = wiki.s.get(
        f"{wiki.base}/ex/confluence/0f5c2d7e-3b1a-4f8e-9c6d-2a4b8e1f7c30/wiki/rest/api/search",
        params={"cql": "type = page", "limit": 1},
        timeout=10,
    ).json()
    assert g["_links"]["base"].endswith("/ex/confluence/0f5c2d7e-3b1a-4f8e-9c6d-2a4b8e1f7c30/wiki")


def test_v1_search_paging_to_the_end(wiki):
    cql = "type = page order by created asc"
    total = search(wiki, cql, limit=1).json()["totalSize"]
    seen = [x["content"]["id"] for x in wiki.follow(f"/rest/api/search?cql={quote(cql)}&limit=37")]
    assert len(seen) == total == len(set(seen)) >= 250
    # start offsets work too, and prev links exist
    p2 = search(wiki, cql, limit=37, start=37).json()
    assert [x["content"]["id"] for x in p2["results"]] == seen[37:74] and "prev" in p2["_links"]
    # content/search
    cs = [x["id"] for x in wiki.follow(f"/rest/api/content/search?cql={quote(cql)}&limit=50")]
    assert cs == seen
    # limit is capped
    assert search(wiki, cql, limit=1000).json()["limit"] == 100
    assert search(wiki, cql, limit=100, expand="content.body.export_view").json()["limit"] == 25


def test_restricted_page_hidden_from_search(wiki):
    secret = wiki.fixtures["restricted_page"]
    assert secret not in ids(wiki, 'title ~ "salary"')
    from sandbox.atlassian.confluence.testing import Wiki

    heidi = Wiki(wiki.base, wiki.app, "heidi@example.com", "token-heidi")
    got = [int(x["content"]["id"]) for x in heidi.follow(f"/rest/api/search?cql={quote('title ~ salary')}")]
    assert secret in got
    assert heidi.get(f"/api/v2/pages/{secret}").status_code == 200
