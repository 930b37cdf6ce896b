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
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import rendered_docs

from generators.docs.render import load_spec

SPEC = Path(__file__).resolve().parent.parent / "spec"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


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
        # a desktop window: the sidebar sits beside the operations (narrower pages stack them)
        self.send("Emulation.setDeviceMetricsOverride", DESKTOP)
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

    def js(self, expression: str, wait: bool = False) -> Any:
        """The value of a JavaScript expression in the page (with `wait`, of the promise it gives)."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": wait}
        result = self.send("Runtime.evaluate", params)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def browser(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A command to the browser itself rather than to the page."""
        session, self.session = self.session, None
        try:
            return self.send(method, params)
        finally:
            self.session = session

    def allow_clipboard(self) -> None:
        # what a user's click grants a page: writing to (and here, for the test, reading) the clipboard
        permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
        self.browser("Browser.grantPermissions", {"permissions": permissions})

    def clipboard(self) -> str:
        return self.js("navigator.clipboard.readText()", wait=True)

    def click(self, selector: str) -> None:
        assert self.js(f"!!document.querySelector({json.dumps(selector)})"), f"nothing matches {selector}"
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

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
    for name, text in rendered_docs().items():
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


# --- the sidebar, deep links, search over answers --------------------------------------------------


def test_the_sidebar_shows_each_summary_and_cuts_long_paths_with_an_ellipsis(character):
    found = character.js(
        """(() => {
        const paths = Array.from(document.querySelectorAll('nav .nav-path'));
        const cut = paths.filter(s => s.scrollWidth > s.clientWidth);
        const li = document.querySelector('nav li[data-op="post_character_genUserChat"]');
        return {
            cut: cut.length,
            ellipsis: cut.every(s => getComputedStyle(s).textOverflow === 'ellipsis'),
            summary: li.querySelector('.nav-summary').textContent,
            shown: li.querySelector('.nav-summary').getBoundingClientRect().height > 0,
        };
    })()"""
    )
    assert found["cut"] > 0, "no path is too long for the sidebar: the ellipsis is not tested"
    assert found["ellipsis"]
    summary = load_spec(SPEC / "character.yaml")["paths"]["/character/genUserChat"]["post"]["summary"]
    assert found["summary"] == summary and found["shown"]


def test_the_sidebar_follows_the_scroll(character):
    target = character.js("document.querySelectorAll('article.op')[200].id")
    character.js(f"document.getElementById('{target}').scrollIntoView()")
    character.wait_for(f"(document.querySelector('nav li.current') || {{}}).dataset?.op === '{target}'")
    # the current entry is scrolled into the sidebar's view, not left below its fold
    assert character.js(
        """(() => {
        const nav = document.getElementById('nav').getBoundingClientRect();
        const li = document.querySelector('nav li.current').getBoundingClientRect();
        return li.top >= nav.top && li.bottom <= nav.bottom;
    })()"""
    )
    assert (
        character.js("document.querySelector('nav li.current a').getAttribute('aria-current')") == "location"
    )


def test_a_deep_link_opens_its_operation_even_behind_a_search(html):
    # a link shared from a filtered page still shows what it links to
    for page in open_page(html / "yike.html", "?q=对话回复#get_api_user"):
        assert page.js("document.getElementById('search').value") == ""
        assert "get_api_user" in page.visible_operations()
        top = page.js("document.getElementById('get_api_user').getBoundingClientRect().top")
        assert 0 <= top <= 120, top
        page.wait_for("(document.querySelector('nav li.current') || {}).dataset?.op === 'get_api_user'")
        assert (
            page.js("document.querySelector('#get_api_user a.anchor').getAttribute('href')")
            == "#get_api_user"
        )


def test_search_finds_an_operation_by_a_field_of_its_answer(html):
    # issue 12: ?q=referral_code found nothing; the field is in GET /api/user's answer
    for page in open_page(html / "yike.html", "?q=referral_code"):
        assert page.visible_operations() == ["get_api_user"]


# --- copying, curl, try-it: against a running mock -------------------------------------------------


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    from broken_servers.base import serve

    from mocks.app import build_app

    with serve(build_app([SPEC / "yike.yaml", SPEC / "session-store.yaml"])) as url:
        yield url


@pytest.fixture(scope="module")
def served(mock_url) -> Iterator[Page]:
    """yike's reference as the mock serves it, at /yike/docs."""
    for page in open_page_at(f"{mock_url}/yike/docs"):
        page.allow_clipboard()
        yield page


def open_page_at(url: str) -> Iterator[Page]:
    page = Page(url)
    try:
        yield page
    finally:
        page.close()


def sign_in(page: Page, token: str) -> None:
    page.js(f"document.getElementById('token').value = {json.dumps(token)}")


def fetch_json(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_every_code_block_has_a_copy_button_that_copies_it(served):
    blocks = served.js("document.querySelectorAll('pre').length")
    assert blocks > 10
    assert served.js(
        "Array.from(document.querySelectorAll('pre')).every(p => p.parentNode.querySelector('button.copy'))"
    )
    assert served.js(
        "Array.from(document.querySelectorAll('.stream')).every(s => s.querySelector('button.copy'))"
    )
    served.click("#get_api_user figure.response button.copy")
    expected = served.js("document.querySelector('#get_api_user figure.response pre').textContent")
    assert served.clipboard() == expected
    assert json.loads(expected)["referral_code"] == "ZHRG38"


def test_copy_as_curl_gives_the_request_as_a_command(served, mock_url):
    sign_in(served, "mock-token")
    served.click("#get_api_prompts button.copy-curl")
    assert served.clipboard() == (
        f"curl '{mock_url}/yike/api/prompts?page=1' \\\n  -H 'Authorization: Bearer mock-token'"
    )
    served.click("#post_api_chat_conversations button.copy-curl")
    assert served.clipboard() == (
        f"curl -X POST '{mock_url}/yike/api/chat/conversations' \\\n"
        "  -H 'Authorization: Bearer mock-token' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        """  --data-raw '{"title":"新的对话","prompt_id":"0"}'"""
    )


def test_every_copied_curl_command_is_answered_by_the_mock(served):
    # every example request of the page, copied as a user would, then run in a shell
    sign_in(served, "mock-token")
    count = served.js("document.querySelectorAll('button.copy-curl').length")
    assert count == served.js("document.querySelectorAll('figure.request').length") >= 8
    for k in range(count):
        served.js(f"document.querySelectorAll('button.copy-curl')[{k}].click()")
        command = served.clipboard()
        assert command.startswith("curl "), command
        done = subprocess.run(
            ["bash", "-c", command + " -s -o /dev/null -w '%{http_code}'"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.stdout == "200", f"{command}\n-> {done.stdout} {done.stderr}"


def try_it(page: Page, op: str) -> tuple[int, str]:
    """Open an operation's try-it panel, send its example request and wait for the answer."""
    page.js(f"document.querySelector('#{op} details.try').open = true")
    page.wait_for(f"!!document.querySelector('#{op} form.try-form')")
    page.js(f"document.getElementById('{op}').removeAttribute('data-answered')")
    page.click(f"#{op} form.try-form button.send")
    page.wait_for(f"document.getElementById('{op}').getAttribute('data-answered') === 'true'")
    status = int(page.js(f"document.getElementById('{op}').getAttribute('data-status')"))
    return status, page.js(f"document.querySelector('#{op} .answer-body').textContent")


def test_try_it_sends_to_the_server_serving_the_page(served, mock_url):
    assert served.js("document.getElementById('server').value") == f"{mock_url}/yike"
    sign_in(served, "mock-token")
    status, body = try_it(served, "get_api_user")
    assert (status, json.loads(body)) == fetch_json(f"{mock_url}/yike/api/user", "mock-token")
    sign_in(served, "")
    status, body = try_it(served, "get_api_user")
    assert (status, json.loads(body)) == (401, {"message": "Unauthenticated."})
    # a stream arrives whole, as the documented text
    sign_in(served, "mock-token")
    status, body = try_it(served, "post_chat_conversations_id_completions")
    assert (status, body) == (200, "嗨，欢迎来到一刻，你想聊点什么？")


def test_try_it_sends_to_the_server_the_reader_chooses(html, mock_url):
    # opened as a file, the page sends wherever the reader points it (the mock allows any origin)
    for page in open_page(html / "session-store.html"):
        assert page.js("document.getElementById('server').value") == "http://localhost:8000"  # the spec's
        page.js(f"document.getElementById('server').value = '{mock_url}/session-store'")
        status, body = try_it(page, "post_query_user_info")
        assert status == 200 and json.loads(body)
    # or in the page's address, for a link to share
    for page in open_page(html / "session-store.html", f"?server={mock_url}/session-store"):
        assert page.js("document.getElementById('server').value") == f"{mock_url}/session-store"
        assert try_it(page, "post_query_user_info")[0] == 200


def test_one_spec_at_the_root_has_its_docs_at_docs_and_under_its_name():
    from broken_servers.base import serve

    from mocks.app import build_app

    with serve(build_app(SPEC / "yike.yaml")) as url:
        for page in open_page_at(f"{url}/yike/docs"):  # leads to /docs, next to the API
            assert page.js("location.pathname") == "/docs"
            assert page.js("document.getElementById('server').value") == url
            sign_in(page, "mock-token")
            status, body = try_it(page, "get_api_user")
            assert status == 200 and json.loads(body)["referral_code"] == "ZHRG38"


def test_a_description_cannot_run_a_script(tmp_path):
    from generators.docs.render import render_html
    from generators.docs.styles import Style

    spec = {
        "openapi": "3.0.3",
        "info": {"title": "hostile", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "operationId": "get_x",
                    "summary": "<img src=x onerror=\"window.pwned='summary'\">",
                    "description": "<script>window.pwned = 'description'</script> [x](javascript:window.pwned=1)",
                    "responses": {"200": {"description": "<svg onload=\"window.pwned='response'\"></svg>"}},
                }
            }
        },
    }
    page_file = tmp_path / "hostile.html"
    page_file.write_text(render_html(spec, "hostile", Style("table", "en")), encoding="utf-8")
    for page in open_page(page_file):
        time.sleep(0.2)  # an injected onload/onerror would have run by now
        assert page.js("typeof window.pwned") == "undefined"
        assert page.js("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
        assert "<script>window.pwned" in page.js("document.getElementById('get_x').textContent")


# --- what the page looks like ------------------------------------------------------------------------

PIXELS = """(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,' + %s;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const g = canvas.getContext('2d');
    g.drawImage(image, 0, 0);
    const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0, sum = 0, squares = 0;
    const colors = new Set();
    for (let i = 0; i < d.length; i += 4 * 5) {
        const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        n += 1; sum += y; squares += y * y;
        colors.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    const mean = sum / n;
    return {width: canvas.width, height: canvas.height, deviation: Math.sqrt(squares / n - mean * mean), colors: colors.size};
})()"""

# Two different Chinese characters drawn in the page's font: without a CJK font both come out as the
# same empty box, and a Chinese page is unreadable.
GLYPHS = """(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 32;
    const g = canvas.getContext('2d');
    const font = '24px ' + getComputedStyle(document.body).fontFamily;
    function draw(text) {
        g.clearRect(0, 0, 64, 32);
        g.fillStyle = '#000'; g.font = font; g.fillText(text, 4, 26);
        return Array.from(g.getImageData(0, 0, 64, 32).data).join();
    }
    const blank = draw(''), one = draw('一'), other = draw('鑫');
    return one !== other && one !== blank && other !== blank;
})()"""


def screenshot_pixels(page: Page) -> dict[str, Any]:
    page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    page.js("document.fonts.ready.then(() => true)", wait=True)
    shot = page.send("Page.captureScreenshot", {"format": "png"})["data"]
    return page.js(PIXELS % json.dumps(shot), wait=True)


@pytest.mark.parametrize("api", ["character", "session-store", "aichat", "yike"])
def test_each_apis_page_renders_visibly(html, api):
    for page in open_page(html / f"{api}.html"):
        pixels = screenshot_pixels(page)
        assert (pixels["width"], pixels["height"]) == (1280, 900)
        # a blank or single-colour screen has no deviation and a handful of colours; text, tables,
        # method badges and the dark sample blocks give both
        assert pixels["deviation"] > 30, pixels
        assert pixels["colors"] > 100, pixels
        if api != "character":
            assert page.js(GLYPHS), "Chinese characters render as empty boxes: install fonts-wqy-zenhei"
