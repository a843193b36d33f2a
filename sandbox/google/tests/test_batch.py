"""Batch requests (multipart/mixed at /batch/drive/v3) through google-api-python-client's BatchHttpRequest."""

from __future__ import annotations

import json
from typing import Any

import httpx
from googleapiclient.errors import HttpError

from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, find


def run_batch(drive: Any, calls: list[Any]) -> dict[str, tuple[Any, Any]]:
    answers: dict[str, tuple[Any, Any]] = {}
    batch = drive.new_batch_http_request(callback=lambda rid, resp, exc: answers.__setitem__(rid, (resp, exc)))
    for call in calls:
        batch.add(call)
    batch.execute()
    return answers


def test_each_part_gets_its_own_answer(fresh: GoogleUnderTest, alice: Any) -> None:
    pdf, projects = find(alice, "Signed contract with Acme.pdf"), find(alice, "Projects")
    fresh.control.clear_requests()
    answers = run_batch(
        alice,
        [
            alice.files().get(fileId=pdf["id"], fields="id,name"),
            alice.files().get(fileId="missing"),
            alice.permissions().list(fileId=projects["id"]),
        ],
    )
    assert answers["1"] == ({"id": pdf["id"], "name": pdf["name"]}, None)
    assert isinstance(answers["2"][1], HttpError) and answers["2"][1].resp.status == 404
    assert len(answers["3"][0]["permissions"]) == 2
    inner = [r["path"] for r in fresh.control.requests() if r["path"].startswith("/drive/")]
    assert inner == [
        f"/drive/v3/files/{pdf['id']}",
        "/drive/v3/files/missing",
        f"/drive/v3/files/{projects['id']}/permissions",
    ]


def test_quota_refusals_arrive_inside_parts(fresh: GoogleUnderTest, alice: Any) -> None:
    fresh.control.configure(rate_limits={"GET": 1})
    pdf_id = "1CPhDeOZIiBOB_Y6sHrFH2ZUCr_lgotu2"  # seeded id (README); a lookup would spend the quota
    answers = run_batch(alice, [alice.files().get(fileId=pdf_id) for _ in range(3)])
    refused = [exc for _, exc in answers.values() if exc is not None]
    assert refused and all(exc.resp.status == 403 for exc in refused)
    assert json.loads(refused[0].content)["error"]["errors"][0]["reason"] == "userRateLimitExceeded"


def test_more_than_100_parts_is_refused(fresh: GoogleUnderTest) -> None:
    part = (
        "--b\r\nContent-Type: application/http\r\nContent-ID: <{n}>\r\n\r\n"
        "GET /drive/v3/about?fields=user HTTP/1.1\r\n\r\n"
    )
    body = "".join(part.format(n=n) for n in range(101)) + "--b--\r\n"
    answer = httpx.post(
        fresh.url + "/batch/drive/v3",
        content=body.encode(),
        headers={"Content-Type": "multipart/mixed; boundary=b", "Authorization": f"Bearer {ALICE_TOKEN}"},
    )
    assert answer.status_code == 400 and answer.json()["error"]["errors"][0]["reason"] == "batchSizeTooLarge"
