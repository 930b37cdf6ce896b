"""`docs/<api>.html` as a reader meets it, read as HTML (no browser: tests/test_docs_browser.py runs it).

Every parameter is listed; descriptions are markdown, rendered and never able to inject markup; a
Chinese API's page is in Chinese; the search index holds response fields and descriptions; the
sidebar gives each operation's summary; each operation has a deep link and an example request.
"""

from __future__ import annotations

import functools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import operations, rendered_docs

from generators.docs.labels import labels
from generators.docs.render import load_spec, render_html
from generators.docs.styles import Style
from generators.refs import follow_refs

SPEC = Path(__file__).resolve().parent.parent / "spec"
APIS = ["character", "session-store", "aichat", "yike"]
LANG = {"character": "en", "session-store": "zh", "aichat": "zh", "yike": "zh"}


def pages() -> dict[str, str]:
    return rendered_docs()


@functools.cache
def spec(api: str) -> dict[str, Any]:
    return load_spec(SPEC / f"{api}.yaml")


class Element:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.tag == tag and all(child.attrs.get(k) == v for k, v in attrs.items()):
                    found.append(child)
                found += child.find_all(tag, **attrs)
        return found

    def by_id(self, key: str) -> Element | None:
        return self.ids().get(key)

    @functools.cache  # noqa: B019 - a page's tree lives as long as the test session anyway
    def ids(self) -> dict[str, Element]:
        found = {}
        for child in self.children:
            if isinstance(child, Element):
                if "id" in child.attrs:
                    found.setdefault(child.attrs["id"], child)
                for key, element in child.ids().items():
                    found.setdefault(key, element)
        return found


VOID = {"meta", "input", "br", "img", "link", "hr", "option"}


class Tree(HTMLParser):
    """The page as a tree of elements (html.parser is enough for the markup the template writes)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.at = Element("#root", {}, None)
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(element)
        if tag not in VOID:
            self.at = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data: str) -> None:
        self.at.children.append(data)


@functools.cache
def tree(api: str) -> Element:
    return Tree(pages()[f"{api}.html"]).root


# --- parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_every_parameter_of_every_operation_is_listed_with_its_location_type_and_requiredness(api):
    t = labels(LANG[api])
    checked = 0
    for method, path, op in operations(spec(api)):
        article = tree(api).by_id(op["operationId"])
        assert article is not None, f"{method} {path} has no section"
        rows = {
            (row.attrs["data-in"], row.find_all("td")[0].text()): [td.text() for td in row.find_all("td")]
            for row in article.find_all("tr")
            if "data-in" in row.attrs
        }
        for raw in op.get("parameters") or []:
            param = follow_refs(spec(api), raw)
            cells = rows.get((param["in"], param["name"]))
            assert cells is not None, f"{method} {path}: parameter {param['name']} ({param['in']}) not listed"
            _, where, kind, required, description = cells
            assert where == t[f"in_{param['in']}"]
            assert kind.startswith(param.get("schema", {}).get("type") or t["html_any"])
            assert (required == "✓") == bool(param.get("required") or param["in"] == "path")
            if param.get("description"):
                assert description.strip(), f"{method} {path}: {param['name']} shows no description"
            checked += 1
    assert checked == sum(len(op.get("parameters") or []) for _, _, op in operations(spec(api)))


def test_a_query_parameter_written_in_the_docs_path_is_listed():
    # issue 12: GET /api/prompts's table had a header and no row, though the spec has `page`
    article = tree("yike").by_id("get_api_prompts")
    rows = [[td.text() for td in tr.find_all("td")] for tr in article.find_all("tr") if "data-in" in tr.attrs]
    assert rows == [["page", "查询", "integer", "", "文档写在路径中：page=N 例如 1"]]
    messages = tree("yike").by_id("get_api_chat_conversations_id_messages")
    assert [tr.attrs["data-in"] for tr in messages.find_all("tr") if "data-in" in tr.attrs] == [
        "path",
        "query",
    ]


# --- markdown --------------------------------------------------------------------------------------


def test_markdown_in_a_description_is_rendered():
    # the auth description of yike links to where a user finds a token
    overview = tree("yike").by_id("overview")
    links = [(a.attrs.get("href"), a.text()) for a in overview.find_all("a")]
    assert ("/developers?tab=tokens", "token") in links
    assert "[token](" not in overview.text()


HOSTILE = {
    "openapi": "3.0.3",
    "info": {"title": "hostile", "version": "1"},
    "paths": {
        "/x": {
            "get": {
                "operationId": "get_x",
                "summary": "<img src=x onerror=alert(1)>",
                "description": "**bold** and <script>alert(2)</script> and [click](javascript:alert(3))",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "<b onmouseover=alert(4)>x</b> [ok](https://example.com/a?b=1)",
                    }
                ],
                "responses": {"200": {"description": "<iframe src=//evil>"}},
            }
        }
    },
}


def test_a_description_is_markdown_and_cannot_inject_markup():
    page = render_html(HOSTILE, "hostile", Style("table", "en"))
    body = page[: page.index("<script>\n(function")]  # the page's own script is the only one
    assert "<strong>bold</strong>" in body
    assert '<a href="https://example.com/a?b=1">ok</a>' in body
    for injected in ("<script>alert", "<img", "<iframe", "<b onmouseover", 'href="javascript:'):
        assert injected not in body, injected
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body  # shown as the text it is
    assert page.count("<script>") == 1


# --- language ----------------------------------------------------------------------------------------

# Words a Chinese page may show in Latin letters: protocol and format names, HTTP methods, JSON types,
# names of things (the API, the tools), and everything the API's own doc writes in Latin letters.
TECHNICAL = {
    "api", "http", "https", "get", "post", "put", "delete", "patch", "token", "bearer", "json", "ndjson", "sse",
    "curl", "cookie", "null", "true", "false", "string", "integer", "number", "boolean", "array", "object",
    "openapi", "itemschema", "mdcontract", "laravel", "data", "authorization",
}  # fmt: skip


class Prose(HTMLParser):
    """The text of a page a reader reads as sentences: not code, samples, scripts or field names."""

    SKIP = frozenset({"code", "pre", "script", "style", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag in self.SKIP or dict(attrs).get("class") in ("method", "nav-path")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP or (tag == "span" and self.depth):
            self.depth = max(self.depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.texts.append(data)


def english_words(api: str) -> set[str]:
    source = (SPEC / "sources" / f"{api}.md").read_text(encoding="utf-8")
    own = {w.lower() for w in re.findall(r"[A-Za-z]+", source)}
    spec_names = {w.lower() for w in re.findall(r"[A-Za-z]+", " ".join(spec(api)["paths"]))}
    # Field names are identifiers, whichever overlay added them (aichat's login answers `expireAt`).
    spec_names |= {w.lower() for name in _field_names(spec(api)) for w in re.findall(r"[A-Za-z]+", name)}
    prose = Prose()
    prose.feed(pages()[f"{api}.html"])
    found = {w.lower() for text in prose.texts for w in re.findall(r"[A-Za-z]{3,}", text)}
    return found - own - spec_names - TECHNICAL - {api.lower(), *api.lower().split("-")}


def _field_names(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        found |= {str(k) for k in (node.get("properties") or {})}
        for value in node.values():
            found |= _field_names(value)
    elif isinstance(node, list):
        for value in node:
            found |= _field_names(value)
    return found


@pytest.mark.parametrize("api", [api for api in APIS if LANG[api] == "zh"])
def test_a_chinese_apis_page_is_in_chinese(api):
    # issue 12: "Success.", "Missing or invalid token." and the overlays' English sentences showed
    assert english_words(api) == set()


def test_an_overlay_gives_a_sentence_in_both_languages():
    # the yike overlay writes its 401 answer in English, with the Chinese in x-i18n
    unauthorized = spec("yike")["components"]["responses"]["Unauthorized"]
    assert unauthorized["description"] == "Missing or invalid token."
    section = tree("yike").by_id("overview").text()
    assert unauthorized["x-i18n"]["zh"]["description"] in section
    assert "Missing or invalid token." not in pages()["yike.html"]


# --- search, sidebar, deep links, examples -------------------------------------------------------------


def test_the_search_index_holds_response_fields_and_descriptions():
    # issue 12: ?q=referral_code found nothing; it is a field of GET /api/user's answer
    user = tree("yike").by_id("get_api_user")
    assert "referral_code" in user.attrs["data-search"]
    messages = tree("yike").by_id("get_api_chat_conversations_id_messages").attrs["data-search"]
    assert "文档写在路径中" in messages  # a parameter's description
    assert "has_liked" in messages  # a field of an item of the answer's list


@pytest.mark.parametrize("api", APIS)
def test_the_sidebar_gives_each_operations_path_and_summary_and_a_deep_link(api):
    nav = tree(api).by_id("nav")
    items = {li.attrs["data-op"]: li for li in nav.find_all("li") if "data-op" in li.attrs}
    for method, path, op in operations(spec(api)):
        li = items[op["operationId"]]
        assert [s.text() for s in li.find_all("span") if s.attrs.get("class") == "nav-path"] == [path]
        summary = [s.text() for s in li.find_all("span") if s.attrs.get("class") == "nav-summary"]
        assert summary == [op.get("summary") or f"{method} {path}"]
        article = tree(api).by_id(op["operationId"])
        anchors = [a.attrs["href"] for a in article.find_all("a") if a.attrs.get("class") == "anchor"]
        assert anchors == [f"#{op['operationId']}"]


@pytest.mark.parametrize("api", APIS)
def test_every_operation_has_an_example_request_to_copy_as_curl_and_a_try_it_panel(api):
    for method, path, op in operations(spec(api)):
        article = tree(api).by_id(op["operationId"])
        assert article.find_all("figure", **{"class": "sample request"}), f"{method} {path}"
        assert article.find_all("details", **{"class": "try"}), f"{method} {path}"
        data = json.loads(article.attrs["data-request"])
        assert (data["method"], data["path"]) == (method, path)
        # the example request fills every path parameter, so the copied command is complete
        assert all(p["value"] for p in data["params"] if p["in"] == "path")


def test_the_example_request_without_a_body_shows_its_query():
    figure = tree("yike").by_id("get_api_chat_conversations_id_messages").find_all("figure")[0]
    assert figure.find_all("pre")[0].text() == "GET /api/chat/conversations/1/messages?page=1"


def test_a_spec_with_a_recursive_schema_still_gets_its_page():
    recursive = {
        "openapi": "3.0.3",
        "info": {"title": "tree", "version": "1"},
        "paths": {
            "/node": {
                "get": {
                    "operationId": "get_node",
                    "responses": {
                        "200": {
                            "description": "a node",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    },
                }
            }
        },
    }
    page = render_html(recursive, "tree", Style("table", "en"))
    assert 'id="get_node"' in page and "children" in page
