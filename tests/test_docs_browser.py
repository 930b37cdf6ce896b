"""The offline HTML reference in a real headless browser (Debian's chromium): it renders, fetches
nothing, shows streams item by item, and its search box finds an operation as a user types.

The browser is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: file
descriptors 3 and 4), so no port is opened and no network is used at all. CI installs chromium
with tests/ensure-chromium.sh (run by tox before the tests).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generators.docs.render import render_all

SPEC = Path(__file__).resolve().parent.parent / "spec"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    # a missing browser fails loudly: a skipped browser test would hide a broken HTML reference
    assert CHROMIUM, (
        "chromium is not installed (Debian: apt-get install chromium; tox runs tests/ensure-chromium.sh)"
    )


class Page:
    """One chromium page, driven over the DevTools protocol on a pipe."""

    def __init__(self, url: str) -> None:
        self.profile = tempfile.TemporaryDirectory()
        child_in, self.to_browser = os.pipe()
        self.from_browser, child_out = os.pipe()

        def on_fds_3_and_4() -> None:  # where --remote-debugging-pipe expects them
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        command = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={self.profile.name}",
            "--remote-debugging-pipe",
            url,
        ]
        self.process = subprocess.Popen(
            command,
            pass_fds=(3, 4),
            preexec_fn=on_fds_3_and_4,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_in)
        os.close(child_out)
        self.buffer = b""
        self.last_id = 0
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})[
            "sessionId"
        ]
        self.wait_for("document.body && document.body.getAttribute('data-ready') === 'true'")

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params or {}}
        if getattr(self, "session", None):
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.last_id:
                    assert "error" not in reply, f"{method}: {reply['error']}"
                    return reply["result"]
            left = deadline - time.monotonic()
            assert left > 0, f"chromium did not answer {method} within {timeout} s"
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 16)
                assert chunk, "chromium closed the DevTools pipe"
                self.buffer += chunk

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            time.sleep(0.05)

    def type(self, text: str) -> None:
        """Type into the focused element, as a user would (it fires `input` events)."""
        self.send("Input.insertText", {"text": text})

    def key(self, key: str) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key})

    def visible_operations(self) -> list[str]:
        return self.js(
            "Array.from(document.querySelectorAll('article.op')).filter(a => !a.hidden).map(a => a.id)"
        )

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close", timeout=5)
        except AssertionError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)
        self.profile.cleanup()


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    for name, text in render_all(SPEC).items():
        (out / name).write_text(text, encoding="utf-8")
    return out


def open_page(path: Path, query: str = "") -> Iterator[Page]:
    page = Page(path.as_uri() + query)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture(scope="module")
def character(html) -> Iterator[Page]:
    yield from open_page(html / "character.html")


def test_the_reference_renders_every_operation_with_its_navigation(character):
    assert character.js("document.title") == "Character Interfaces — API reference"
    assert character.js("document.querySelectorAll('article.op').length") == 269
    assert character.js("document.querySelectorAll('nav li[data-op]').length") == 269
    assert character.js("document.getElementById('shown').textContent") == "269"
    # every navigation link leads to its operation
    assert character.js(
        "Array.from(document.querySelectorAll('nav li a')).every(a => document.querySelector(a.getAttribute('href')))"
    )
    # laid out, not just parsed: the first operation has a size on the page
    assert character.js("document.querySelector('article.op').getBoundingClientRect().height") > 50


def test_descriptions_are_text_and_every_answer_links_to_its_definition(character):
    # `<token>` in the auth description is shown, not parsed as a tag
    assert "Authorization: Bearer <token>" in character.js("document.getElementById('overview').textContent")
    assert character.js(
        "Array.from(document.querySelectorAll('article.op li a[href^=\"#components-\"]'))"
        ".every(a => document.querySelector(a.getAttribute('href')))"
    )


def test_the_reference_is_self_contained(character):
    assert character.js("performance.getEntriesByType('resource').length") == 0
    assert character.js("document.querySelectorAll('link[href], script[src], img[src]').length") == 0


def test_request_and_response_examples_are_shown(character):
    op = "document.getElementById('post_character_getProfile')"
    assert "character_id" in character.js(f"{op}.querySelector('table.fields').textContent")
    request = character.js(f"{op}.querySelector('figure.request pre').textContent")
    assert json.loads(request) == {"user_id": 1, "character_id": 1}
    response = character.js(f"{op}.querySelector('figure.response pre').textContent")
    assert json.loads(response)["result"]["name"] == "Lily"


def test_a_stream_sample_is_shown_item_by_item(character):
    items = character.js(
        "Array.from(document.querySelectorAll('#post_character_generatMsgs .stream li')).map(li => li.textContent)"
    )
    assert [json.loads(i)["result"]["done"] for i in items] == [False, True]
    assert "application/x-ndjson" in character.js(
        "document.querySelector('#post_character_generatMsgs .stream-head').textContent"
    )


def test_searching_finds_an_operation_as_the_user_types(character):
    character.js("document.getElementById('search').focus()")
    character.type("genUserChat")
    assert character.visible_operations() == ["post_character_genUserChat", "post_guest_genUserChat"]
    assert character.js("document.getElementById('shown').textContent") == "2"
    assert character.js("document.querySelectorAll('nav li[data-op]:not([hidden])').length") == 2
    character.type(" guest")
    assert character.visible_operations() == ["post_guest_genUserChat"]
    character.key("Escape")
    assert len(character.visible_operations()) == 269


def test_search_also_finds_operations_by_request_field(character):
    character.js("document.getElementById('search').focus()")
    character.type("post guest_client_token")
    found = character.visible_operations()
    assert "post_user_registByEmail" in found
    assert all(
        character.js(f"document.getElementById('{op}').dataset.search.includes('guest_client_token')")
        for op in found
    )
    character.key("Escape")


def test_a_search_that_matches_nothing_says_so(character):
    character.js("document.getElementById('search').focus()")
    character.type("no-such-operation")
    assert character.visible_operations() == []
    assert character.js("document.getElementById('empty').hidden") is False
    character.key("Escape")


def test_a_search_in_the_url_filters_on_load_and_finds_chinese_summaries(html):
    for page in open_page(html / "yike.html", "?q=" + "对话回复"):
        assert page.visible_operations() == ["post_chat_conversations_id_completions"]
        assert page.js("document.getElementById('search').value") == "对话回复"
        # the text stream is shown as sent
        assert (
            page.js(
                "document.querySelector('#post_chat_conversations_id_completions .stream li').textContent"
            )
            == "嗨，欢迎来到一刻，你想聊点什么？"
        )
