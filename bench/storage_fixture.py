"""The storage benchmark's processes and files: a sandbox and a `connectors serve storage` per provider, and the
files the rows read, uploaded through each provider's own API before the clock starts.

Files: `copies` 50-page PDFs made with fpdf2 and `copies` ~5 MB XLSX workbooks made with openpyxl, each copy with
different bytes (the server remembers converted text by a hash of the bytes, so only a new copy is a cold read),
and `NOTES` small text notes whose names carry their number (distinct keys for the throughput runs).
"""

from __future__ import annotations

import io
import os
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import requests

from sandbox.common.control import SandboxControl

from .procs import REPO, Proc, start_process
from .servers import CLI, clean_env

NOTES = 64  # small notes: more than the 32 clients, so no two calls in flight ask for the same one
GOOGLE_TOKEN, GRAPH_TOKEN = "ya29.sandbox-alice", "demo-alice"
UNTHROTTLED = "100000"


@dataclass
class Site:
    """One provider under benchmark: its sandbox, how to reach it, and the ids of the uploaded files."""

    provider: str  # google-drive | onedrive
    sandbox: Proc
    ca: str | None  # the Microsoft sandbox's CA file (HTTPS); None for Google (HTTP)
    control: SandboxControl
    pdfs: list[str] = field(default_factory=list)  # connector ids (gdrive:..., onedrive:...)
    workbooks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # "pdf" / "xlsx" -> bytes of one copy


def storage_env(**extra: str) -> dict[str, str]:
    """`clean_env` without any storage or sign-in setting of the shell, plus `extra`."""
    env = {k: v for k, v in clean_env().items() if not k.startswith(("STORAGE_", "AUTH_"))}
    return env | extra


def _wait_tls(url: str, ca: Path, popen: Any, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if popen.poll() is not None:
            raise SystemExit(f"microsoft sandbox exited:\n{log.read_text()[-3000:]}")
        if ca.exists():
            try:
                requests.get(f"{url}/__sandbox/config", verify=str(ca), timeout=2)
                return
            except (requests.ConnectionError, OSError):
                pass
        if time.monotonic() > deadline:
            popen.kill()
            raise SystemExit(f"microsoft sandbox did not answer within {timeout}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)  # polling interval


def start_site(provider: str, logdir: Path) -> Site:
    from shared.testing import free_port

    port = free_port()
    name = "google" if provider == "google-drive" else "microsoft"
    cmd = [*CLI, "sandbox", name, "--port", str(port)]
    if provider == "google-drive":
        url = f"http://127.0.0.1:{port}"
        proc = start_process(f"{name} sandbox", cmd, storage_env(), url, "/__sandbox/config", logdir, 60)
        return Site(provider, proc, None, SandboxControl(url))
    url, log = f"https://127.0.0.1:{port}", logdir / f"{name} sandbox.log"
    with log.open("wb") as handle:
        import subprocess

        popen = subprocess.Popen(
            cmd, cwd=REPO, env=storage_env(), stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT
        )
    ca = Path(os.environ.get("TMPDIR", "/tmp")) / f"sandbox-microsoft-tls-{popen.pid}" / "ca.pem"
    _wait_tls(url, ca, popen, log)
    session = requests.Session()
    session.verify, session.trust_env = str(ca), False
    return Site(provider, Proc(f"{name} sandbox", url, popen, log), str(ca), SandboxControl(url, session))


def start_storage(site: Site, logdir: Path, *, unthrottled: bool) -> Proc:
    from shared.testing import free_port

    port = free_port()
    if site.provider == "google-drive":
        env = {"STORAGE_GOOGLE_ROOT_URL": site.sandbox.url, "STORAGE_GOOGLE_TOKEN": GOOGLE_TOKEN}
    else:
        env = {
            "STORAGE_GRAPH_URL": site.sandbox.url + "/v1.0",
            "STORAGE_GRAPH_TOKEN": GRAPH_TOKEN,
            "STORAGE_GRAPH_CA_FILE": site.ca or "",
        }
    env["STORAGE_PROVIDERS"] = site.provider
    if unthrottled:
        env["STORAGE_RATE_LIMIT_PER_SECOND"] = UNTHROTTLED
    setting = "throttles off" if unthrottled else "default settings"
    cmd = [*CLI, "serve", "storage", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    return start_process(f"storage {site.provider} {setting}", cmd, storage_env(**env), base, "/healthz", logdir, 60)


# --------------------------------------------------------------------------- files


def fifty_page_pdf(copy: int) -> bytes:
    """50 pages of report text (fpdf2); `copy` is printed on the first page, so every copy has its own bytes."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in range(1, 51):
        pdf.add_page()
        pdf.cell(0, 8, f"Annual report, copy {copy} - page {page} of 50", new_x="LMARGIN", new_y="NEXT")
        for line in range(1, 21):
            line_text = f"Section {page}.{line}: revenue in region {line} moved by {page + line} percent."
            pdf.cell(0, 8, line_text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def five_megabyte_workbook(copy: int, megabytes: float = 5.0) -> bytes:
    """About 5 MB of order lines (openpyxl, write-only); `copy` seeds the rows."""
    from shared.tests.content.samples import big_workbook  # the test extras' generator (openpyxl)

    return big_workbook(int(megabytes * 1024 * 1024), seed=copy)


PDF_MIME, XLSX_MIME = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def uploader(site: Site) -> Any:
    """`send(name, data, mime) -> connector id` through the provider's own API, as the person."""
    site.control.configure(latency_ms=0, rate_limits=False)
    return _drive_upload(site) if site.provider == "google-drive" else _graph_upload(site)


def upload_notes(site: Site) -> None:
    send = uploader(site)
    for n in range(NOTES):
        text = f"Bench note {n:03d}\n\nWhat the team agreed on item {n}: ship it after review.\n".encode()
        site.notes.append(send(f"Bench note {n:03d}.txt", text, "text/plain"))


def upload_big_files(site: Site, copies: int, megabytes: float = 5.0) -> None:
    """Uploaded after the throughput runs, so their text does not weigh on the sandboxes' searches."""
    send = uploader(site)
    for copy in range(copies):
        pdf, book = fifty_page_pdf(copy), five_megabyte_workbook(copy, megabytes)
        site.sizes = {"pdf": len(pdf), "xlsx": len(book)}
        site.pdfs.append(send(f"Bench report {copy}.pdf", pdf, PDF_MIME))
        site.workbooks.append(send(f"Bench orders {copy}.xlsx", book, XLSX_MIME))


def _drive_upload(site: Site) -> Any:
    from googleapiclient.http import MediaIoBaseUpload

    from sandbox.google.testing import drive_service

    drive = drive_service(site.sandbox.url, GOOGLE_TOKEN)

    def send(name: str, data: bytes, mime: str) -> str:
        media = MediaIoBaseUpload(io.BytesIO(data), mimetype=mime, resumable=len(data) > 5 * 1024 * 1024)
        made = drive.files().create(body={"name": name}, media_body=media, fields="id").execute(num_retries=3)
        return f"gdrive:{made['id']}"

    return send


def _graph_upload(site: Site) -> Any:
    graph = httpx.Client(
        base_url=site.sandbox.url + "/v1.0",
        verify=ssl.create_default_context(cafile=site.ca),
        headers={"Authorization": f"Bearer {GRAPH_TOKEN}"},
        timeout=60,
    )
    plain = httpx.Client(verify=ssl.create_default_context(cafile=site.ca), timeout=60)  # upload URLs: no token
    chunk = 10 * 320 * 1024

    def send(name: str, data: bytes, mime: str) -> str:
        where = f"/me/drive/root:/{name}:"
        if len(data) <= 4 * 1024 * 1024:
            made = graph.put(f"{where}/content", content=data, headers={"Content-Type": mime})
            while made.status_code == 429:  # Graph's per-app resource units: wait as it says
                time.sleep(float(made.headers.get("Retry-After", "1")))
                made = graph.put(f"{where}/content", content=data, headers={"Content-Type": mime})
        else:
            url = graph.post(f"{where}/createUploadSession", json={"item": {}}).raise_for_status().json()["uploadUrl"]
            for start in range(0, len(data), chunk):
                part = data[start : start + chunk]
                span = f"bytes {start}-{start + len(part) - 1}/{len(data)}"
                made = plain.put(url, content=part, headers={"Content-Range": span})
        item = made.raise_for_status().json()
        return f"onedrive:{item['parentReference']['driveId']}!{item['id']}"

    return send
