"""Files over Graph's 4 MB simple-upload cap: an upload session, sent in byte ranges, resumed after a cut.

createUploadSession (conflictBehavior "fail") answers a pre-authenticated `uploadUrl`; ranges are PUT there
without the Graph token, each a multiple of 320 KiB except the last. A range whose answer is lost is never
replayed blindly: the session's `nextExpectedRanges` says where to go on. When the last range's answer is lost
the session is gone (it became the file), so the file is looked up by its path: one file, never two.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared.errors import Conflict, InvalidInput, NotFound, UncertainWrite, UpstreamUnavailable
from shared.httpx_policy import REPLAYABLE, checked_json

CHUNK = 10 * 320 * 1024  # 3.125 MiB: Graph wants multiples of 320 KiB, and recommends 5-10 MiB at most
MAX_RESUMES = 4  # cut ranges tolerated per upload before giving up (the upload can then be retried with its key)
LOST = (UncertainWrite, UpstreamUnavailable)

Call = Callable[..., Awaitable[Any]]
Detail = Callable[[httpx.Response], str]


async def upload_in_session(
    http: httpx.AsyncClient, call: Call, detail: Detail, where: str, name: str, data: bytes
) -> dict[str, Any]:
    """The created item. `where` is the folder's Graph path ending in `:/<name>:`; `call` is the provider's
    authenticated Graph call; `http` sends the ranges (pre-authenticated URL: no token)."""
    spec = {"item": {"@microsoft.graph.conflictBehavior": "fail", "name": name}}
    try:  # a replayed creation only opens a second, unused session: safe to retry
        session = await call("POST", f"{where}/createUploadSession", json=spec, extensions={REPLAYABLE: True})
    except Conflict:
        raise InvalidInput(f'A file named "{name}" already exists in that folder: choose another name.') from None
    url, offset, resumes = session["uploadUrl"], 0, 0
    while True:
        last = min(offset + CHUNK, len(data)) - 1
        try:
            answer = await http.put(
                url,
                content=data[offset : last + 1],
                headers={"Content-Range": f"bytes {offset}-{last}/{len(data)}"},
                extensions={REPLAYABLE: False},  # the policy must not resend a range: the session says what it has
            )
        except LOST:
            resumes += 1
            if resumes > MAX_RESUMES:
                raise
            expected = await _next_expected(http, url, detail)
            if expected is None:  # the session is complete: it became the file
                return await _made(call, where, name)
            offset = expected
            continue
        if answer.status_code in (200, 201):
            return dict(checked_json("OneDrive", answer, detail))
        if answer.status_code == 202:
            offset = _first_expected(checked_json("OneDrive", answer, detail)) or last + 1
            continue
        if answer.status_code == 409:
            raise InvalidInput(f'A file named "{name}" already exists in that folder: choose another name.')
        checked_json("OneDrive", answer, detail)  # raises the shared error
        raise UpstreamUnavailable(f"OneDrive answered HTTP {answer.status_code} to an upload range.")


async def _next_expected(http: httpx.AsyncClient, url: str, detail: Detail) -> int | None:
    """Where the session wants the next byte; None once it no longer exists (finished)."""
    status = await http.get(url)
    if status.status_code == 404:
        return None
    return _first_expected(checked_json("OneDrive", status, detail)) or 0


def _first_expected(body: Any) -> int | None:
    ranges = (body or {}).get("nextExpectedRanges") or []
    return int(str(ranges[0]).split("-")[0]) if ranges else None


async def already_written(http: httpx.AsyncClient, call: Call, where: str, data: bytes) -> dict[str, Any] | None:
    """After a simple upload's answer was lost: the item at that path if it holds exactly these bytes (ours, or an
    identical file: the same outcome for the person), else None. Only then is a lost answer settled silently."""
    try:
        item = dict(await call("GET", where.removesuffix(":")))
    except NotFound:
        return None
    link = item.get("@microsoft.graph.downloadUrl")
    if item.get("size") != len(data) or not link:
        return None
    stored = await http.get(link)  # pre-authenticated: no token
    return item if stored.status_code == 200 and stored.content == data else None


async def _made(call: Call, where: str, name: str) -> dict[str, Any]:
    try:
        return dict(await call("GET", where.removesuffix(":")))
    except NotFound:
        raise UncertainWrite("OneDrive", f"the upload of {name} ended without a file") from None
