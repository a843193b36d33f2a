"""Conversions run off the event loop, and a runaway one is really stopped: its worker process is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import anyio
import pytest

from shared import content

from .converters_for_tests import (
    CRASH_MIME,
    FOREVER_MIME,
    GREEDY_MIME,
    HANDSHAKE_MIME,
    allocate_3_gib,
    crash,
    run_forever,
    wait_for_go,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def test_converters() -> Iterator[None]:
    content.register(FOREVER_MIME, run_forever, kind="forever")
    content.register(HANDSHAKE_MIME, wait_for_go, kind="handshake")
    content.register(GREEDY_MIME, allocate_3_gib, kind="greedy")
    content.register(CRASH_MIME, crash, kind="crash")
    yield
    content.unregister(CRASH_MIME)
    content.unregister(GREEDY_MIME)
    content.unregister(FOREVER_MIME)
    content.unregister(HANDSHAKE_MIME)


async def wait_for(condition, what: str, seconds: float = 30) -> None:
    with anyio.move_on_after(seconds):
        while not condition():
            await anyio.sleep(0.01)
        return
    raise AssertionError(f"waited {seconds} s for {what}")


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_conversion_that_never_ends_is_stopped_at_its_time_limit_and_its_worker_killed(
    test_converters, tmp_path: Path
):
    await content.to_markdown(b"warm", name="warm.txt", mime="text/plain")  # a worker is up: the limit is all work
    pid_file = tmp_path / "pid"
    with pytest.raises(content.ConversionTimeout) as stopped:
        await content.to_markdown(str(pid_file).encode(), name="loop.bin", mime=FOREVER_MIME, timeout=1.0)
    assert str(stopped.value) == (
        "Converting loop.bin to text took longer than 1 s and was stopped. "
        "The file is too large or too complex to read here; open it at its link."
    )
    pid = int(pid_file.read_text())
    await wait_for(lambda: not process_exists(pid), "the worker to be gone")
    after = await content.to_markdown(b"still works", name="next.txt", mime="text/plain")
    assert after.markdown == "still works"


async def test_the_event_loop_keeps_running_while_a_file_is_converted(test_converters, tmp_path: Path):
    result: list[content.Document] = []

    async def convert() -> None:
        data = json.dumps({"folder": str(tmp_path)}).encode()
        result.append(await content.to_markdown(data, name="slow.bin", mime=HANDSHAKE_MIME))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(convert)
        await wait_for((tmp_path / "started").exists, "the conversion to start")
        (tmp_path / "go").write_text("go")  # only this loop can release the converter
    assert result[0].markdown == "released" and result[0].kind == "handshake"
    assert int((tmp_path / "started").read_text()) != os.getpid()


async def test_a_conversion_that_finds_every_slot_busy_for_its_whole_time_limit_says_the_server_is_busy(
    test_converters, tmp_path: Path
):
    slots = content.MAX_WORKERS
    folders = [tmp_path / str(number) for number in range(slots)]
    async with anyio.create_task_group() as tasks:
        for folder in folders:
            folder.mkdir()
            data = json.dumps({"folder": str(folder)}).encode()
            tasks.start_soon(partial(content.to_markdown, data, name="slow.bin", mime=HANDSHAKE_MIME))
        await wait_for(lambda: all((folder / "started").exists() for folder in folders), "every slot to be taken")
        with pytest.raises(content.ConversionBusy, match="busy converting other files and could not start on x.txt"):
            await content.to_markdown(b"x", name="x.txt", mime="text/plain", timeout=0.2)
        for folder in folders:
            (folder / "go").write_text("go")


async def test_a_conversion_that_needs_more_memory_than_a_worker_may_have_is_refused(test_converters):
    with pytest.raises(content.FileTooLarge, match="^bomb.bin needs more memory than this server allows"):
        await content.to_markdown(b"x", name="bomb.bin", mime=GREEDY_MIME)


async def test_a_converter_that_kills_its_process_is_reported_and_the_next_file_still_converts(test_converters):
    with pytest.raises(content.UnreadableFile, match=r"^core\.bin crashed the converter: the file is damaged"):
        await content.to_markdown(b"x", name="core.bin", mime=CRASH_MIME)
    assert (await content.to_markdown(b"fine", name="next.txt", mime="text/plain")).markdown == "fine"


async def test_a_worker_that_died_while_idle_is_replaced_without_the_caller_noticing(test_converters, tmp_path: Path):
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(
            partial(content.to_markdown, json.dumps({"folder": str(tmp_path)}).encode(), name="a", mime=HANDSHAKE_MIME)
        )
        await wait_for((tmp_path / "started").exists, "the conversion to start")
        (tmp_path / "go").write_text("go")
    idle_worker = int((tmp_path / "started").read_text())
    os.kill(idle_worker, signal.SIGKILL)
    assert (await content.to_markdown(b"fine", name="next.txt", mime="text/plain")).markdown == "fine"


def test_the_server_process_does_not_import_the_format_libraries():
    code = (
        "import sys, shared.content; "
        "print(sorted(m for m in ('pypdf', 'docx', 'openpyxl', 'pptx', 'markdownify') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_a_converter_must_be_importable_by_the_worker():
    def local(data: bytes, source: content.Source, limits: content.Limits) -> content.Converted:
        return content.Converted("")

    with pytest.raises(TypeError, match="module-level function"):
        content.register("application/x-local", local, kind="local")
