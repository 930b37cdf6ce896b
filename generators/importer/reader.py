"""Markdown document -> IR: sections, their endpoints, and the document-wide facts.

Sections come from headings (a label heading such as `### 请求URL：` stays inside the section above
it). The recognizers read each section's blocks and fill the endpoints it documents: usually one,
sometimes several (`**List**` ... `**Create**`, a table of endpoints). A section without a path
under an endpoint (`#### 返回值`) adds to that endpoint; one above endpoints (`## 1. character chat`)
is a chapter and becomes their tag. Document-wide facts (the error-code table, the envelope table,
the auth section) are read here too, and so are the defects that only show across sections
(duplicate numbers, typo'd paths, repeated operations, references to another operation).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from .blocks import Block, parse_blocks
from .ir import Document, Endpoint, ErrorCode, Field
from .labels import (
    DEPRECATED,
    ENDPOINT_LINE,
    LABEL_HEADINGS,
    SECTION_NUMBER,
    classify_label,
    match_request_line,
    method_word,
    norm_label,
)
from .recognizers import Context, read_block
from .recognizers.label_value import kind_of
from .tables import column_roles, read_fields_table


@dataclass
class Section:
    heading: Block | None
    level: int
    blocks: list[Block] = field(default_factory=list)
    parent: Section | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    context: Context | None = None
    warnings: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.heading.text if self.heading else ""


def is_label_heading(text: str) -> bool:
    """`### 请求URL：`, `### 参数类型：query`, `#### Method`: a heading that labels a part of the section
    above it (it ends with a colon, or is a label followed by its value) rather than starting one."""
    t = text.strip().strip("*_` ")
    if len(t) > 30 or SECTION_NUMBER.match(t) or "/" in t or method_word(t.split(" ")[0]):
        return False
    if kind_of(t) or norm_label(t) in LABEL_HEADINGS:
        return True
    m = re.match(r"^(.*?)\s*[:：]", t)
    if not m:
        return False
    head = m.group(1)
    return bool(classify_label(head) or kind_of(head) or re.match(r"^(示例|例子|example)", head, re.I))


def split_sections(blocks: list[Block]) -> list[Section]:
    root = Section(None, 0)
    sections = [root]
    stack = [root]
    for b in blocks:
        if b.kind == "heading":
            while stack[-1].level >= b.level:
                stack.pop()
            if stack[-1] is not root and is_label_heading(b.text):
                # `### 请求URL：` under `## 1、...`: a label inside the section above, after siblings too
                stack[-1].blocks.append(b)
                continue
            s = Section(b, b.level, parent=stack[-1])
            stack.append(s)
            sections.append(s)
        else:
            stack[-1].blocks.append(b)
    return sections


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.S)


def read_document(text: str, file: str, *, commented: bool = True) -> Document:
    doc = Document(file)
    text = re.sub(r"\r\n?", "\n", text)  # CommonMark's line endings, so line numbers agree everywhere
    front = _FRONT_MATTER.match(text)
    if front:
        # YAML front matter (static-site docs): metadata, not a setext heading; blanked, lines kept
        m = re.search(r"^title:\s*[\"']?(.*?)[\"']?\s*$", front.group(1), re.M)
        doc.title = m.group(1).strip() if m else ""
        text = "\n" * front.group(0).count("\n") + text[front.end() :]
    blocks, problems = parse_blocks(text)
    for p in problems:
        doc.warn(p.line, p.rule, p.message, p.severity)
    if commented:
        _commented_sections(doc, blocks)
        _inline_ignores(doc, text, blocks)
    sections = split_sections(blocks)
    for s in sections:
        _read_section(doc, s)
    # a sub-section without a path belongs to the endpoint above it (`#### 返回值`, `### POST method`)
    for s in sections:
        if s.parent is None:
            continue
        owner = _owner(s)
        if s.endpoints and not (owner is not None and _repeats(s.endpoints, owner.endpoints)):
            continue  # a section of its own (an example section repeating the operation is not)
        if owner is not None and owner.context is not None and s.level > owner.level:
            s.endpoints = []
            before = len(owner.context.endpoints)
            for b in [s.heading, *s.blocks]:
                if b is not None:
                    read_block(owner.context, b)
            owner.endpoints = [ep for ep in owner.context.endpoints if ep.path]
            if len(owner.context.endpoints) == before:
                continue
        _flush(doc, s)
    for s in sections:
        if s.endpoints:
            _flush(doc, s)
            _share_group_content(s.endpoints)
            for k, ep in enumerate(s.endpoints):
                ep.tag = _tag(s)
                _finish_endpoint(doc, s, ep, first=k == 0)
                doc.endpoints.append(ep)
    title = next((s.title for s in sections if s.heading and s.level == 1), "")
    title = _strip_number(title)[1] if title else ""
    title = (
        ""
        if re.fullmatch(r"(?i)版本|version|目录|directory|changelog|更新记录|api|接口文档", title)
        else title
    )
    doc.title = title or doc.title
    head = "\n".join(text.split("\n")[:40])
    m = re.search(r"(?i)(?:version|版本)[^\n]{0,20}?\bv?(\d+(?:\.\d+)*)\b|\bv(\d+(?:\.\d+)*)\b", head)
    if m:
        doc.version = m.group(1) or m.group(2)
    _document_facts(doc, sections, text)
    _resolve_references(doc)
    _check_duplicate_numbers(doc)
    _check_heading_tables(doc)
    _check_path_typos(doc)
    return doc


def _repeats(mine: list[Endpoint], theirs: list[Endpoint]) -> bool:
    """A sub-section naming only operations its owner documents (`#### 接口示例` with the example URL)."""
    return all(
        any(
            _shape(e.path) == _shape(o.path) and (not e.method or e.method == o.method) and not o.weak
            for o in theirs
        )
        for e in mine
    )  # (an overview table's row is not repeated by the section documenting it: that one wins)


def _owner(s: Section) -> Section | None:
    """The nearest section above `s` that documents endpoints (None at the top)."""
    owner = s.parent
    while owner is not None and not owner.endpoints:
        owner = owner.parent
    return owner


def _flush(doc: Document, s: Section) -> None:
    """Report what the section's own reading found (once: a merged sub-section is read again)."""
    for line, rule, message, severity in s.warnings:
        doc.warn(line, rule, message, severity)
    s.warnings = []


def _strip_number(title: str) -> tuple[str, str]:
    title = re.sub(r"^(\*\*|__)(.+)\1$", r"\2", title.strip())  # `### __用户注册__`: emphasis, not text
    m = SECTION_NUMBER.match(title.strip())
    return (m.group(1), m.group(2).strip()) if m and m.group(2).strip() else ("", title.strip())


def _chapter(s: Section) -> str:
    p = s.parent
    while p is not None and p.heading is not None:
        if not p.endpoints or all(e.weak for e in p.endpoints):  # an overview table's section too
            return _strip_number(p.title)[1]
        p = p.parent
    return ""


def _tag(s: Section) -> str:
    """The chapter above; or the section itself when it holds several operations (`### Bookmarks`)."""
    own = len(s.endpoints) > 1 or any(ep.line != s.heading.line for ep in s.endpoints if s.heading)
    if (
        own
        and s.heading is not None
        and not ENDPOINT_LINE.match(s.title)
        and not s.title.lstrip("`*").startswith("/")
    ):
        return re.sub(r"\s*\[[^\]]*\]\s*$", "", _strip_number(s.title)[1]) or _chapter(s)
    return _chapter(s)


def _read_section(doc: Document, s: Section) -> None:
    title = s.title
    ep = Endpoint(title=title, line=s.heading.line if s.heading else 1)
    ctx = Context(
        doc,
        _strip_number(title)[1] if title else "",
        s.heading.line if s.heading else 0,
        ep,
        warn=lambda line, rule, msg, severity="warning": s.warnings.append((line, rule, msg, severity)),
    )
    owner = _owner(s)
    ctx.under_endpoint = owner is not None and owner.heading is not None
    for b in [s.heading, *s.blocks]:
        if b is not None:
            read_block(ctx, b)
    s.context = ctx
    # a URL alone in a quote with nothing else about an operation is a link (`> https://docs.x.com/y`)
    s.endpoints = [
        e for e in ctx.endpoints if e.path and not (e.only_a_link and not e.method and not e.has_content())
    ]
    if s.endpoints:
        return
    if (
        (ep.method or (ctx.param_tables and ep.samples))
        and s.heading is not None
        and not _looks_like_envelope(s)
        and (owner is None or owner.heading is None)
    ):
        s.warnings.append(
            (
                ep.line,
                "no-endpoint",
                f"section {title!r} documents an interface but gives no path; skipped",
                "warning",
            )
        )


def _looks_like_envelope(s: Section) -> bool:
    return bool(re.search(r"return data format|统一返回|返回格式|unified", s.title, re.IGNORECASE))


def _share_group_content(endpoints: list[Endpoint]) -> None:
    """Request lines written one after another share what follows them (`PUT /x` + `PATCH /x`)."""
    for ep in endpoints:
        if ep.has_content():
            continue
        donor = next((o for o in endpoints if o.group == ep.group and o is not ep and o.has_content()), None)
        if donor is None:
            continue
        ep.params = copy.deepcopy(donor.params)
        ep.fields = copy.deepcopy(donor.fields)
        ep.samples = list(donor.samples)
        ep.statuses = dict(donor.statuses)
        ep.success_status = donor.success_status
        ep.response_kind = donor.response_kind
        ep.request_media = ep.request_media or donor.request_media


def _finish_endpoint(doc: Document, s: Section, ep: Endpoint, first: bool) -> None:
    number, title = _strip_number(s.title) if s.heading else ("", "")
    if first:
        ep.number = number
        parent = s.parent
        while parent is not None and parent.endpoints:
            parent = parent.parent
        ep.chapter_line = parent.heading.line if parent is not None and parent.heading else 0
    if ep.own_title:
        title = ep.title
    if DEPRECATED.search(title):
        ep.deprecated = True
        title = DEPRECATED.sub("", title)
    title = re.sub(r"\s*//\s*$", "", title).strip()
    if match_request_line(title) or not title or title.lstrip("`*").startswith("/"):
        # the heading is the endpoint itself: the table's description (if any) names it
        title = ep.table_title or ""
    if not title:
        first_note = next((n for n in ep.notes if n), "")
        title = (
            _first_text(s)
            or (
                first_note.rstrip(".。")
                if len(first_note) < 80 and not first_note.endswith((":", "："))
                else ""
            )
            or f"{ep.method or _guess_method(ep)} {_clean_path(ep.path)}"
        )
    ep.title = title
    if not ep.method:
        guessed = _guess_method(ep)
        doc.warn(
            ep.path_line or ep.line,
            "missing-method",
            f"no request method documented for {ep.path}; {guessed} assumed",
        )
        ep.method = guessed
    _resolve_unlabelled(ep)
    if not ep.path.startswith("/"):
        doc.warn(
            ep.path_line, "path-leading-slash", f"path {ep.path!r} has no leading slash; read as '/{ep.path}'"
        )
        ep.path = "/" + ep.path


def _guess_method(ep: Endpoint) -> str:
    if ep.redirect:
        return "GET"  # a browser is sent there
    return "POST" if any(x.role == "request" for x in ep.samples) else "GET"


def _resolve_unlabelled(ep: Endpoint) -> None:
    """A sample nothing labelled: the request body when the operation takes one and a response is
    documented after it; else the answer."""
    explicit_request = any(s.role == "request" for s in ep.samples)
    for i, s in enumerate(ep.samples):
        if s.role != "":
            continue
        later_answer = any(o.role in ("response", "error") for o in ep.samples[i + 1 :]) or (
            ep.response_kind in ("text", "json") and ep.samples[i + 1 :]
        )
        takes_body = ep.method in ("POST", "PUT", "PATCH", "DELETE")
        s.role = "request" if takes_body and later_answer and not explicit_request else "response"
        explicit_request = explicit_request or s.role == "request"
    if not explicit_request and ep.fallback_requests and ep.method != "GET":
        ep.samples[:0] = ep.fallback_requests[:1]


def _first_text(s: Section) -> str:
    """The first sentence under the heading, when it is short enough to be a title."""
    for b in s.blocks:
        if b.kind == "text":
            first = b.text.split("\n", 1)[0].strip()
            label = (
                first.endswith((":", "："))
                or (len(first) <= 20 and classify_label(first))
                or re.match(r"^\W*(http\s*)?[1-5]\d\d\b", first, re.I)  # `**200 OK**` captions a sample
            )
            if first and not label and len(first) < 80 and ":" not in first and "：" not in first:
                return first.rstrip(".。")
            return ""
    return ""


def _clean_path(path: str) -> str:
    return re.sub(
        r"&lt;([\w-]+)(?:&gt;|>)?|<([\w-]+)>|\{\s*([\w-]+)\s*\}",
        lambda m: "{" + next(g for g in m.groups() if g) + "}",
        path,
    )


_IGNORE = re.compile(r"<!--\s*mdcontract:\s*ignore\s+([\w\-, ]+?)\s*-->")


def _inline_ignores(doc: Document, text: str, blocks: list[Block]) -> None:
    """`<!-- mdcontract: ignore RULE -->`: the rule is not reported in the section the comment is in
    (from its heading to the next heading of the same or a higher level), or on its own line only,
    when it closes a line of content."""
    headings = [(b.line, b.level) for b in blocks if b.kind == "heading"]
    lines = text.split("\n")
    for k, raw in enumerate(lines, 1):
        for m in _IGNORE.finditer(raw):
            rules = {r.strip() for r in m.group(1).replace(",", " ").split() if r.strip()}
            if raw[: m.start()].strip():
                doc.suppressed.append((k, k, rules))
                continue
            # the section the comment sits in, from its heading (an operation is reported there)
            start, level = next(((ln, lv) for ln, lv in reversed(headings) if ln <= k), (1, 0))
            end = len(lines)
            if level:
                end = next((ln - 1 for ln, lv in headings if ln > k and lv <= level), len(lines))
            doc.suppressed.append((start, end, rules))


def _commented_sections(doc: Document, blocks: list[Block]) -> None:
    for b in blocks:
        if b.kind != "html" or "<!--" not in b.text or _IGNORE.search(b.text):
            continue
        for k, ln in enumerate(b.text.split("\n")):
            m = re.match(r"^\s*(?:<!--)?\s*(#{1,6})\s+(.*?)\s*(?:-->)?\s*$", ln)
            if m:
                doc.warn(
                    b.line + k,
                    "commented-section",
                    f"section {m.group(2)!r} is inside an HTML comment (lines {b.line}-{b.end}): skipped, not imported",
                )
        inner = re.sub(r"^\s*<!--|-->\s*$", "", b.text.strip())
        if "#" not in inner:
            continue
        # what the commented-out section documents, to tell when a live section repeats it
        hidden = read_document("\n" * (b.line - 1) + inner, doc.file, commented=False)
        for ep in hidden.endpoints:
            doc.commented.append(ep)


# --- document-wide facts --------------------------------------------------------------------------


def _document_facts(doc: Document, sections: list[Section], text: str) -> None:
    for s in sections:
        if s.endpoints:
            continue
        for b in s.blocks:
            if b.kind != "table" or not b.rows:
                continue
            roles = column_roles(b.rows[0]) if b.rows else {}
            if "code" in roles and ("description" in roles or len(b.rows[0]) >= 2):
                desc_col = roles.get("description", roles["code"] + 1)
                for row, line in zip(b.rows[1:], b.row_lines[1:], strict=False):
                    code = row[roles["code"]].strip() if roles["code"] < len(row) else ""
                    if re.fullmatch(r"-?\d+", code):
                        remark = (
                            row[roles["remark"]].strip()
                            if "remark" in roles and roles["remark"] < len(row)
                            else ""
                        )
                        desc = row[desc_col].strip() if desc_col < len(row) else ""
                        doc.error_codes.append(ErrorCode(int(code), desc, line, remark))
            elif _looks_like_envelope(s) and not doc.envelope_fields:
                doc.envelope_fields = read_fields_table(b, lambda *a: None) or []
    for ep in doc.endpoints:  # `错误码 510 系统错误 610 ...` in notes
        for note in ep.notes:
            m = re.search(r"错误码|error codes?", note, re.IGNORECASE)
            if m:
                for code, desc in re.findall(r"(\d{3,})\s*[:：]?\s*([^\d\s,，;；]+)", note[m.end() :]):
                    line = _line_of(text, f"{code}")
                    doc.error_codes.append(ErrorCode(int(code), desc, line))
    m = re.search(r"authorization\W{0,6}[^\n]{0,20}bearer", text, re.IGNORECASE)
    if m:
        doc.bearer = True
        doc.bearer_line = text.count("\n", 0, m.start()) + 1
    for s in sections:
        if (
            s.heading is not None
            and re.search(r"认证|鉴权|授权|auth", s.title, re.IGNORECASE)
            and not s.endpoints
        ):
            doc.auth_description = " ".join(b.text for b in s.blocks if b.kind == "text").strip()
    # the hosts of absolute paths, then the base URLs the doc names (`Base URL: ...`), each once
    named = list(doc.servers)
    doc.servers = sorted({ep.server for ep in doc.endpoints if ep.server})
    doc.servers += [s for s in dict.fromkeys(named) if s not in doc.servers]


def _resolve_references(doc: Document) -> None:
    """ "Parameters and response are the same as for the regular list endpoint": copy them over from
    the nearest operation before it whose title or path shares the most words with the reference."""
    for k, ep in enumerate(doc.endpoints):
        for line, what, target in ep.references:
            before = doc.endpoints[:k]
            if not before:
                continue
            wanted = _words(target) - {"endpoint", "operation", "regular", "same", "one"}
            scored = [
                (len(wanted & (_words(o.title) | set(_path_words(o.path)))), -(k - j), o)
                for j, o in enumerate(before)
            ]
            score, _, other = max(scored, key=lambda x: (x[0], x[1]))
            if score == 0 and target != "上":
                other = before[-1] if not wanted else None
            if other is None:
                doc.warn(line, "unresolved-reference", f"cannot tell which operation {target!r} refers to")
                continue
            copied = []
            if "params" in what and not ep.params:
                ep.params = copy.deepcopy(other.params)
                copied.append("parameters")
            if "response" in what and not any(s.role == "response" for s in ep.samples) and not ep.fields:
                ep.samples += [s for s in other.samples if s.role in ("response", "error", "headers")]
                ep.fields = copy.deepcopy(other.fields)
                ep.statuses = {**other.statuses, **ep.statuses}
                copied.append("response")
            if copied:
                ep.notes.append(
                    f"{' and '.join(copied).capitalize()} as documented for {other.method} {other.path}."
                )


def _line_of(text: str, needle: str) -> int:
    i = text.rfind(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def _check_duplicate_numbers(doc: Document) -> None:
    """Both sections of a number used twice are reported, each naming the other."""
    by_number: dict[tuple[int, str], list[Endpoint]] = {}
    for ep in doc.endpoints:
        if ep.number:
            # `1.` under `## 公用接口` and `1.` under `## 认证接口`: numbers counted per chapter
            scope = 0 if "." in ep.number else ep.chapter_line
            by_number.setdefault((scope, ep.number), []).append(ep)
    for (_, number), eps in by_number.items():
        if len(eps) < 2:
            continue
        for ep in eps:
            others = ", ".join(f"{o.title!r} at line {o.line}" for o in eps if o is not ep)
            doc.warn(
                ep.line,
                "duplicate-section-number",
                f"section number {number} is used {len(eps)} times: also by {others}",
            )


def _words(s: str) -> set[str]:
    return {
        w
        for w in re.findall(r"[a-z0-9]+", s.lower())
        if w not in {"a", "an", "the", "of", "by", "to", "in", "for", "and", "or"}
    }


def _check_heading_tables(doc: Document) -> None:
    titles = {norm_label(ep.title): ep for ep in doc.endpoints}
    for ep in doc.endpoints:
        desc = ep.table_title.strip()
        if not desc or norm_label(desc) == norm_label(ep.title):
            continue
        other = titles.get(norm_label(desc))
        a, b = _words(ep.title), _words(desc)
        if other is not None and other is not ep:
            doc.warn(
                ep.table_title_line,
                "heading-table-mismatch",
                f"heading says {ep.title!r} but its table says {desc!r}, the title of the section at line {other.line} (copied?)",
            )
        elif a and b and not (a & b):
            doc.warn(
                ep.table_title_line,
                "heading-table-mismatch",
                f"heading says {ep.title!r} but its table says {desc!r}",
            )


def _check_path_typos(doc: Document) -> None:
    """A path word one or two edits away from a word the doc uses more often (in paths or titles)."""
    in_paths: dict[str, int] = {}
    vocabulary: dict[str, int] = {}
    for ep in doc.endpoints:
        for word in _path_words(ep.path):
            in_paths[word] = in_paths.get(word, 0) + 1
            vocabulary[word] = vocabulary.get(word, 0) + 1
        for word in set(re.findall(r"[a-z]+", f"{ep.title} {ep.table_title}".lower())):
            vocabulary[word] = vocabulary.get(word, 0) + 1
    suspects: dict[str, str] = {}
    for word, count in in_paths.items():
        if len(word) < 5 or count > 2:
            continue
        best: tuple[tuple[int, int], str] | None = None
        for other, other_count in vocabulary.items():
            if (
                other_count < 2
                or other_count <= vocabulary[word]
                or abs(len(other) - len(word)) > 2
                or len(other) < 4
                or len(set(word) ^ set(other)) > 4  # too many letters differ for one or two edits
            ):
                continue
            d = _distance(word, other)
            if d == 0 or d > (1 if len(word) < 8 else 2):
                continue
            if d == 1 and len(word) == len(other) and len(word) < 8 and sorted(word) != sorted(other):
                continue  # one letter swapped for another in a short word: usually a different word (chats/chars)
            if _is_variant(word, other):
                continue
            if best is None or (d, -other_count) < best[0]:
                best = ((d, -other_count), other)
        if best:
            suspects[word] = best[1]
    for ep in doc.endpoints:
        for word in sorted(set(_path_words(ep.path)) & suspects.keys()):
            doc.warn(
                ep.path_line,
                "path-typo",
                f"path {ep.path!r}: {word!r} looks like a typo of {suspects[word]!r}, which the doc uses elsewhere; "
                "kept as written (it is the path the backend serves)",
            )


def _is_variant(a: str, b: str) -> bool:
    """Inflections and prefixed forms are separate words, not typos (chat/chats, release/unrelease)."""
    for x, y in ((a, b), (b, a)):
        for suffix in ("s", "es", "ed", "er", "ing", "d", "ion"):
            if x == y + suffix and not y.endswith(suffix):
                return True
        for prefix in ("un", "re", "de", "dis", "sub"):
            if x == prefix + y:
                return True
    return False


def _path_words(path: str) -> list[str]:
    words = []
    for seg in path.strip("/").split("/"):
        if seg.startswith(("{", ":", "<")):
            continue
        for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", seg):
            words.append(w.lower())
    return words


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def merge_duplicates(doc: Document) -> None:
    """The same method+path documented twice: one operation, both samples kept as named examples."""
    by_key: dict[tuple[str, str], Endpoint] = {}
    kept: list[Endpoint] = []
    for ep in doc.endpoints:
        key = (ep.method, _shape(ep.path))  # `/users/:id` and `/users/{id}` are one path template
        if key in by_key and (ep.weak or by_key[key].weak):
            # an overview row or an example call, and the section that documents the operation
            strong = by_key[key] if ep.weak else ep
            weak = ep if ep.weak else by_key[key]
            if strong is ep:
                kept[kept.index(weak)] = ep
                by_key[key] = ep
            strong.notes += [n for n in weak.notes if n not in strong.notes]
            if weak.own_title and not strong.own_title:
                strong.title = weak.title  # `### GET /todos` under a table row `List todos`
            continue
        if key in by_key:
            first = by_key[key]
            doc.warn(
                ep.line,
                "duplicate-operation",
                f"{ep.method} {ep.path} is also documented at line {first.line}: merged, both samples kept as named examples",
            )
            first.merged_from.append(ep)
        else:
            by_key[key] = ep
            kept.append(ep)
    doc.endpoints = kept
    for hidden in doc.commented:
        for ep in kept:
            if (ep.method, _shape(ep.path)) == (hidden.method, _shape(hidden.path)):
                doc.warn(
                    ep.line,
                    "duplicate-operation",
                    f"{ep.method} {ep.path} is also documented in the commented-out section "
                    f"{hidden.title!r} at line {hidden.line}: only this one is imported",
                )


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}|<[\w-]+>|:\w+", "{}", path.split("?")[0]).rstrip("/") or "/"


__all__ = ["Field", "merge_duplicates", "read_document"]
