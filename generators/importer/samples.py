"""The tolerant sample reader.

Hand-written docs show payloads as JSON, as JavaScript object literals, or as something in
between: unquoted keys, single quotes, comments, trailing commas, `...` placeholders, missing
commas, stray quotes, several JSON values one per line (a stream). ``read_sample`` reads all of
them into plain Python values and says what it had to repair, so that the importer can report
each repair at its line. JavaScript-isms are the doc's dialect, not defects, so they are read
without a word; only what is wrong in any dialect is reported as a repair.

No JSON5/JS-literal library on PyPI reports its repairs or reads missing commas, hence a small
parser of our own.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

PUNCT = set("{}[]:,")


@dataclass
class Repair:
    line: int  # 0-based line within the sample text
    message: str
    rule: str = "sample-repaired"
    other_line: int | None = None  # 0-based line the message's `{other}` refers to (a key's first use)

    def text(self, first_line: int) -> str:
        """The message with line references made file lines (the sample starts at `first_line`)."""
        if self.other_line is None:
            return self.message
        return self.message.replace("{other}", str(first_line + self.other_line))


@dataclass
class Sample:
    """What a code block (or raw text) holds once read."""

    value: Any = None
    items: list[Any] | None = None  # a stream: every item in order (value is then the last one)
    item_lines: list[int] = field(default_factory=list)  # 0-based line of each stream item
    groups: list[list[int]] = field(default_factory=list)  # stream items split by blank lines
    framing: str | None = None  # "ndjson" | "sse" for streams
    repairs: list[Repair] = field(default_factory=list)
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)  # key path -> trailing comment
    ok: bool = True
    error: str = ""


class SampleError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Tok:
    kind: str  # "punct" | "str" | "num" | "ident" | "comment" | "ellipsis"
    text: str
    value: Any
    line: int
    quote: str = ""


_NUM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])|-?\.\d+")
_IDENT = re.compile(r"[A-Za-z_$\u00c0-\uffff][\w$\-\u00c0-\uffff]*")
_ELLIPSIS = re.compile(r"\.{2,}|…+")
# a doubled quote before a key: ""content": -> "content":
_DOUBLED_QUOTE_KEY = re.compile(r'(?<=[{,\s])""([A-Za-z_][\w-]*)"(\s*:)')


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n, line = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\ufeff\u3000":
            i += 1
        elif c in PUNCT:
            toks.append(Tok("punct", c, c, line))
            i += 1
        elif c in "\"'`“”":
            close = {"“": "”", "”": "”"}.get(c, c)
            j = i + 1
            buf = []
            while j < n and text[j] != close:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j : j + 2])
                    j += 2
                    continue
                if text[j] == "\n" and c != "`":
                    break  # an unterminated string ends with its line
                buf.append(text[j])
                j += 1
            raw = "".join(buf)
            toks.append(Tok("str", raw, _unescape(raw), line, quote=c))
            if j < n and text[j] == close:
                j += 1
            else:
                toks.append(Tok("unterminated", "", None, line))
            line += raw.count("\n")
            i = j
        elif text.startswith("//", i) or c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            toks.append(Tok("comment", text[i:j].lstrip("/#").strip(), None, line))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            body = text[i:j]
            toks.append(Tok("comment", body.strip("/*").strip(), None, line))
            line += body.count("\n")
            i = j
        elif m := _ELLIPSIS.match(text, i):
            toks.append(Tok("ellipsis", m.group(), None, line))
            i = m.end()
        elif m := _NUM.match(text, i):
            s = m.group()
            toks.append(Tok("num", s, float(s) if any(ch in s for ch in ".eE") else int(s), line))
            i = m.end()
        elif m := _IDENT.match(text, i):
            toks.append(Tok("ident", m.group(), m.group(), line))
            i = m.end()
        else:
            toks.append(Tok("junk", c, c, line))
            i += 1
    return toks


def _unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    try:
        return json.loads('"' + raw.replace('"', '\\"').replace('\\\\"', '\\"') + '"')
    except ValueError:
        return raw.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"').replace("\\'", "'")


_KEYWORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


class _Parser:
    def __init__(self, toks: list[Tok], strict_json: bool) -> None:
        self.all = toks
        self.toks = [t for t in toks if t.kind != "comment"]
        self.comments = [t for t in toks if t.kind == "comment"]
        self.pos = 0
        self.strict = strict_json
        self.repairs: list[Repair] = []
        self.key_comments: dict[tuple[str, ...], str] = {}
        self._comment_by_line: dict[int, str] = {}
        # how keys and strings are quoted: a JSON sample with a few JS-style ones was mistyped
        self.key_styles: list[tuple[str, int, str]] = []  # (quote or '' when bare, line, key)
        self.string_styles: list[tuple[str, int, str]] = []
        for t in self.comments:
            self._comment_by_line.setdefault(t.line, t.text)

    # -- helpers -----------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Tok | None:
        p = self.pos + k
        return self.toks[p] if p < len(self.toks) else None

    def next(self) -> Tok:
        t = self.peek()
        if t is None:
            last = self.toks[-1].line if self.toks else 0
            raise SampleError("the sample ends too early", last)
        self.pos += 1
        return t

    def is_punct(self, t: Tok | None, ch: str) -> bool:
        return t is not None and t.kind == "punct" and t.text == ch

    def repair(self, line: int, message: str, rule: str = "sample-repaired") -> None:
        self.repairs.append(Repair(line, message, rule))

    def skip_ellipses(self) -> None:
        while (t := self.peek()) is not None and t.kind == "ellipsis":
            self.pos += 1
            if self.is_punct(self.peek(), ","):
                self.pos += 1

    # -- grammar -----------------------------------------------------------------------------
    def value(self, path: tuple[str, ...]) -> Any:
        t = self.next()
        if t.kind == "punct" and t.text == "{":
            return self.obj(t, path)
        if t.kind == "punct" and t.text == "[":
            return self.arr(t, path)
        if t.kind == "str":
            self.string_styles.append((t.quote, t.line, t.text))
            if self.peek() is not None and self.peek().kind == "unterminated":
                self.pos += 1
                self.repair(
                    t.line, f"unterminated string {t.quote}{t.text[:20]}…: closed at the end of its line"
                )
            return t.value
        if t.kind == "num":
            return t.value
        if t.kind == "ident":
            if t.text in _KEYWORDS:
                return _KEYWORDS[t.text]
            # a bare word where a value belongs: JS placeholders such as `xxx` or `undefined`
            words = [t.text]
            while (n := self.peek()) is not None and n.kind in ("ident", "num") and n.line == t.line:
                words.append(n.text)
                self.pos += 1
            return " ".join(words)
        if t.kind == "ellipsis":
            return None
        raise SampleError(f"unexpected {t.text!r}", t.line)

    def obj(self, open_tok: Tok, path: tuple[str, ...], bare: bool = False) -> dict[str, Any]:
        """Members up to `}`; with ``bare``, members written straight inside `[...]` (no braces)."""
        out: dict[str, Any] = {}
        seen_line: dict[str, int] = {}
        while True:
            self.skip_ellipses()
            t = self.peek()
            if t is None:
                self.repair(open_tok.line, "object not closed: `}` added at the end")
                return out
            if bare and self.is_punct(t, "]"):
                return out
            if self.is_punct(t, "}"):
                self.pos += 1
                return out
            if self.is_punct(t, ","):  # a doubled or leading comma
                self.pos += 1
                self.repair(t.line, "extra comma removed")
                continue
            if self.is_punct(t, "]"):
                self.pos += 1
                self.repair(t.line, "`]` where `}` belongs: read as `}`")
                return out
            key_tok = self.next()
            if key_tok.kind not in ("str", "ident", "num"):
                raise SampleError(f"expected a key, found {key_tok.text!r}", key_tok.line)
            if key_tok.kind == "str" and self.peek() is not None and self.peek().kind == "unterminated":
                self.pos += 1
            key = str(key_tok.value if key_tok.kind != "num" else key_tok.text)
            self.key_styles.append((key_tok.quote if key_tok.kind == "str" else "", key_tok.line, key))
            if self.is_punct(self.peek(), ":"):
                self.pos += 1
            else:
                self.repair(key_tok.line, f"missing `:` after key {key!r} added")
            value_line = self.peek().line if self.peek() else key_tok.line
            val = self.value((*path, key))
            if key in out:
                self.repairs.append(
                    Repair(
                        key_tok.line,
                        f"duplicate key {key!r} (first at line {{other}}): the last value is kept",
                        "duplicate-key",
                        seen_line[key],
                    )
                )
                del out[key]
            out[key] = val
            seen_line[key] = key_tok.line
            end_line = self.toks[self.pos - 1].line
            comment = self._comment_by_line.get(end_line) or self._comment_by_line.get(value_line)
            if comment:
                self.key_comments.setdefault((*path, key), comment)
            nxt = self.peek()
            if self.is_punct(nxt, ","):
                self.pos += 1
                if self.strict and self.is_punct(self.peek(), "}"):
                    self.repair(nxt.line, "trailing comma removed")
            elif self.is_punct(nxt, "}") or nxt is None or nxt.kind == "ellipsis":
                continue
            elif bare and self.is_punct(nxt, "]"):
                return out
            elif nxt.kind in ("str", "ident", "num"):
                self.repair(nxt.line, f"missing comma before key {str(nxt.value)!r} added")
            else:
                raise SampleError(f"expected `,` or `}}`, found {nxt.text!r}", nxt.line)

    def arr(self, open_tok: Tok, path: tuple[str, ...]) -> list[Any]:
        out: list[Any] = []
        while True:
            self.skip_ellipses()
            t = self.peek()
            if t is None:
                self.repair(open_tok.line, "array not closed: `]` added at the end")
                return out
            if self.is_punct(t, "]"):
                self.pos += 1
                return out
            if self.is_punct(t, ","):
                self.pos += 1
                self.repair(t.line, "extra comma removed")
                continue
            if self.is_punct(t, "}"):
                self.pos += 1
                self.repair(t.line, "`}` where `]` belongs: read as `]`")
                return out
            if t.kind in ("str", "ident") and self.is_punct(self.peek(1), ":"):
                self.repair(
                    t.line, "`key: value` members directly inside `[...]`: read as one object (`{}` added)"
                )
                out.append(self.obj(t, (*path, "[]"), bare=True))
            else:
                out.append(self.value((*path, "[]")))
            nxt = self.peek()
            if self.is_punct(nxt, ","):
                self.pos += 1
                if self.strict and self.is_punct(self.peek(), "]"):
                    self.repair(nxt.line, "trailing comma removed")
            elif self.is_punct(nxt, "]") or nxt is None or nxt.kind == "ellipsis":
                continue
            else:
                self.repair(nxt.line, "missing comma between array items added")


def read_sample(text: str, *, strict_json: bool = False) -> Sample:
    """Read a sample: one value, or a stream of values one per line (NDJSON or SSE `data:`)."""
    repairs: list[Repair] = []

    def fix_doubled(m: re.Match[str]) -> str:
        line = text.count("\n", 0, m.start())
        repairs.append(Repair(line, f"stray quote before key {m.group(1)!r} removed"))
        return f'"{m.group(1)}"{m.group(2)}'

    fixed = _DOUBLED_QUOTE_KEY.sub(fix_doubled, text)
    lines = fixed.split("\n")
    if sum(1 for ln in lines if ln.strip().startswith("data:")) >= 1 and all(
        not ln.strip() or ln.strip().startswith(("data:", "event:", "id:", "retry:", ":")) for ln in lines
    ):
        return _read_sse(lines, repairs)
    if looks_like_kv_lines(fixed):
        return _read_kv_lines(textwrap.dedent(fixed).split("\n"), repairs, strict_json)
    toks = tokenize(fixed)
    parser = _Parser(toks, strict_json)
    values: list[Any] = []
    starts: list[int] = []
    try:
        while parser.peek() is not None:
            t = parser.peek()
            if t.kind in ("junk", "ellipsis", "punct") and not (
                parser.is_punct(t, "{") or parser.is_punct(t, "[")
            ):
                parser.pos += 1
                if t.kind != "ellipsis":
                    parser.repair(t.line, f"stray {t.text!r} outside the value removed")
                continue
            starts.append(t.line)
            values.append(parser.value(()))
    except SampleError as exc:
        return Sample(
            ok=False, error=str(exc), repairs=[*repairs, Repair(exc.line, str(exc), "sample-unreadable")]
        )
    repairs += parser.repairs + _mixed_quoting(parser)
    if not values:
        return Sample(ok=False, error="no value found", repairs=repairs)
    if len(values) == 1:
        return Sample(value=values[0], repairs=repairs, comments=parser.key_comments)
    if len(set(starts)) == len(starts) and all(isinstance(v, dict | list) for v in values):
        groups: list[list[int]] = [[0]]
        for i in range(1, len(values)):
            gap = lines[starts[i - 1] + 1 : starts[i]]
            if any(not ln.strip() for ln in gap):
                groups.append([])
            groups[-1].append(i)
        return Sample(
            value=values[-1],
            items=values,
            framing="ndjson",
            repairs=repairs,
            comments=parser.key_comments,
            item_lines=starts,
            groups=groups if len(groups) > 1 else [],
        )
    return Sample(ok=False, error="several values on one line", repairs=repairs)


def _mixed_quoting(parser: _Parser) -> list[Repair]:
    """Keys left bare or strings in single quotes, in a sample that otherwise writes JSON: a JSON
    parser (the backend's, a frontend's) rejects those lines, so say where they are."""
    out: list[Repair] = []
    quoted = [k for k in parser.key_styles if k[0] == '"']
    if len(quoted) < 3:
        return out
    odd: dict[int, list[str]] = {}
    bare = [k for k in parser.key_styles if k[0] != '"']
    if bare and len(quoted) >= len(bare):  # mostly JSON: the bare ones are slips, not a JS dialect
        for quote, line, key in bare:
            odd.setdefault(line, []).append(f"key {quote}{key}{quote}" if quote else f"unquoted key {key}")
    singles = [s for s in parser.string_styles if s[0] == "'"]
    doubles = [s for s in parser.string_styles if s[0] == '"']
    if singles and len(doubles) >= 2 * len(singles):
        for _, line, text in singles:
            odd.setdefault(line, []).append(f"single-quoted string '{text[:20]}'")
    for line, what in sorted(odd.items()):
        out.append(
            Repair(
                line,
                f"{', '.join(dict.fromkeys(what))} in a sample that otherwise writes JSON: "
                "a JSON parser rejects this line; read as meant",
                "mixed-quoting",
            )
        )
    return out


_KV_LINE = re.compile(r"^\s*[\"']?([A-Za-z_$][\w$.\-]*)[\"']?\s*[:：]\s*(.*)$")
_TRAILING_COMMENT = re.compile(r"\s(?://|#)\s*(.*)$")


def looks_like_kv_lines(text: str) -> bool:
    """`name: "张三"` lines: an object written without its braces (a request's parameters)."""
    text = textwrap.dedent(text)
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.strip().startswith(("//", "#"))]
    if not lines or lines[0].lstrip().startswith(("{", "[", '"')) or re.match(r"^\s*https?://", lines[0]):
        return False
    top = [ln for ln in lines if not ln[:1].isspace() and ln.strip() not in ("}", "]", "}]", "},", "],")]
    return bool(top) and all(_KV_LINE.match(ln) for ln in top)


def _read_kv_lines(lines: list[str], repairs: list[Repair], strict_json: bool) -> Sample:
    out: dict[str, Any] = {}
    comments: dict[tuple[str, ...], str] = {}
    i = 0
    while i < len(lines):
        raw = lines[i]
        m = _KV_LINE.match(raw) if raw.strip() and not raw[:1].isspace() else None
        if not m:
            i += 1
            continue
        key, rest = m.group(1), m.group(2)
        c = _TRAILING_COMMENT.search(" " + rest)
        if c and not rest.lstrip().startswith(("{", "[")):
            comments[(key,)] = c.group(1).strip()
            rest = (" " + rest)[: c.start()].strip()
        rest = rest.strip().rstrip(",")
        if rest.startswith(("{", "[")):
            j, depth, body = i, 0, []
            while j < len(lines):
                part = lines[j] if j > i else rest
                body.append(part)
                depth += _depth(part)
                j += 1
                if depth <= 0:
                    break
            sub = read_sample("\n".join(body), strict_json=strict_json)
            for r in sub.repairs:
                repairs.append(Repair(r.line + i, r.message, r.rule, r.other_line))
            if sub.ok:
                out[key] = sub.value
                for path, text in sub.comments.items():
                    comments[(key, *path)] = text
            i = j
            continue
        out[key] = _scalar(rest)
        i += 1
    if not out:
        return Sample(ok=False, error="no value found", repairs=repairs)
    return Sample(value=out, repairs=repairs, comments=comments)


def _scalar(raw: str) -> Any:
    """A value written after `key:` on its own line: JSON when it is JSON, else the text as written."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if raw in _KEYWORDS:
        return _KEYWORDS[raw]
    if _NUM.fullmatch(raw):
        return float(raw) if any(ch in raw for ch in ".eE") else int(raw)
    return raw


def _depth(line: str) -> int:
    s = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", "", line)
    s = re.sub(r"\s//.*$", "", s)
    return s.count("{") + s.count("[") - s.count("}") - s.count("]")


def _read_sse(lines: list[str], repairs: list[Repair]) -> Sample:
    items: list[Any] = []
    for i, ln in enumerate(lines):
        s = ln.strip()
        if not s.startswith("data:"):
            continue
        payload = s[5:].strip()
        if payload.startswith(("{", "[")):
            sub = read_sample(payload)
            for r in sub.repairs:
                repairs.append(Repair(i, r.message, r.rule))
            if not sub.ok:
                return Sample(ok=False, error=sub.error, repairs=repairs)
            items.append(sub.value)
        else:
            items.append(payload)
    return Sample(value=items[-1] if items else None, items=items, framing="sse", repairs=repairs)
