"""The Echo service emulator: a note store behind a bearer token, plus its sandbox declaration."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.connector import Sandbox

TOKEN = "token-echo"
SEED = [
    ("Checkout retry policy", "Checkout retries payment twice, then asks the customer."),
    ("Release checklist", "Tag, build, sign, publish, announce."),
]


def create_app(latency_ms: int = 0) -> Starlette:
    notes = {str(i + 1): {"id": str(i + 1), "title": t, "text": x} for i, (t, x) in enumerate(SEED)}

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    def refused() -> JSONResponse:
        return JSONResponse({"message": "Bad token"}, status_code=401)

    async def me(request: Request) -> JSONResponse:
        return JSONResponse({"name": "Alice Echo"}) if authorised(request) else refused()

    async def search(request: Request) -> JSONResponse:
        if not authorised(request):
            return refused()
        words = request.query_params.get("q", "").lower().split()
        found = [n for n in notes.values() if any(w in (n["title"] + " " + n["text"]).lower() for w in words)]
        return JSONResponse({"notes": found})

    async def one(request: Request) -> JSONResponse:
        if not authorised(request):
            return refused()
        note = notes.get(request.path_params["id"])
        return JSONResponse(note) if note else JSONResponse({"message": "No such note"}, status_code=404)

    async def add(request: Request) -> JSONResponse:
        if not authorised(request):
            return refused()
        body = await request.json()
        note = {"id": str(len(notes) + 1), "title": body["title"], "text": body.get("text", "")}
        notes[note["id"]] = note
        return JSONResponse(note, status_code=201)

    return Starlette(
        routes=[
            Route("/api/me", me),
            Route("/api/notes", search),
            Route("/api/notes", add, methods=["POST"]),
            Route("/api/notes/{id}", one),
        ]
    )


SANDBOX = Sandbox(
    name="echo", title="Echo notes", default_port=9900, create_app=create_app, demo_login={"token": TOKEN}
)
