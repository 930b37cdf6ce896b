"""Markdown document -> IR: sections, their endpoints, and the document-wide facts.

Sections come from headings; the recognizers fill one ``Endpoint`` per section that names a path.
A section without a path under an endpoint (`#### 返回值`) adds to that endpoint; one above
endpoints (`## 1. character chat`) is a chapter and becomes their tag. Document-wide facts (the
error-code table, the envelope table, the auth section) are read here too, and so are the
defects that only show across sections (duplicate numbers, typo'd paths, repeated operations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .blocks import Block, parse_blocks
from .ir import Document, Endpoint, ErrorCode, Field
from .recognizers import (
    DEPRECATED,
    ENDPOINT_LINE,
    SECTION_NUMBER,
    Context,
    classify_label,
    column_roles,
    norm_label,
    read_fields_table,
    recognize_code,
    recognize_heading,
    recognize_kv_table,
    recognize_text,
)


@dataclass
class Section:
    heading: Block | None
    level: int
    blocks: list[Block] = field(default_factory=list)
    parent: Section | None = None
    endpoint: Endpoint | None = None
    context: Context | None = None

    @property
    def title(self) -> str:
        return self.heading.text if self.heading else ""


def split_sections(blocks: list[Block]) -> list[Section]:
    root = Section(None, 0)
    sections = [root]
    stack = [root]
    for b in blocks:
        if b.kind == "heading":
            while stack[-1].level >= b.level:
                stack.pop()
            s = Section(b, b.level, parent=stack[-1])
            stack.append(s)
            sections.append(s)
        else:
            stack[-1].blocks.append(b)
    return sections


def read_document(text: str, file: str) -> Document:
    doc = Document(file)
    blocks, problems = parse_blocks(text)
    for p in problems:
        doc.warn(p.line, p.rule, p.message, p.severity)
    _commented_sections(doc, blocks)
    sections = split_sections(blocks)
    for s in sections:
        _read_section(doc, s)
    # a sub-section without a path belongs to the endpoint above it (`#### 返回值`)
    for s in sections:
        if s.endpoint is None and s.parent is not None:
            owner = s.parent
            while owner is not None and owner.endpoint is None:
                owner = owner.parent
            if owner is not None and owner.endpoint is not None and s.level > owner.level:
                _read_blocks(doc, owner.context, [s.heading, *s.blocks])
    for s in sections:
        if s.endpoint is not None:
            ep = s.endpoint
            ep.tag = _chapter(s)
            _finish_endpoint(doc, s, ep)
            doc.endpoints.append(ep)
    title = next((s.title for s in sections if s.heading and s.level == 1), "")
    title = _strip_number(title)[1] if title else ""
    doc.title = (
        ""
        if re.fullmatch(r"(?i)版本|version|目录|directory|changelog|更新记录|api|接口文档", title)
        else title
    )
    head = "\n".join(text.split("\n")[:40])
    m = re.search(r"(?i)(?:version|版本)[^\n]{0,20}?\bv?(\d+(?:\.\d+)*)\b|\bv(\d+(?:\.\d+)*)\b", head)
    if m:
        doc.version = m.group(1) or m.group(2)
    _document_facts(doc, sections, text)
    _check_duplicate_numbers(doc)
    _check_heading_tables(doc)
    _check_path_typos(doc)
    return doc


def _strip_number(title: str) -> tuple[str, str]:
    m = SECTION_NUMBER.match(title.strip())
    return (m.group(1), m.group(2).strip()) if m else ("", title.strip())


def _chapter(s: Section) -> str:
    p = s.parent
    while p is not None and p.heading is not None:
        if p.endpoint is None:
            return _strip_number(p.title)[1]
        p = p.parent
    return ""


def _read_section(doc: Document, s: Section) -> None:
    title = s.title
    ep = Endpoint(title=title, line=s.heading.line if s.heading else 1)
    ctx = Context(ep, warn=lambda line, rule, msg: doc.warn(line, rule, msg))
    if s.heading is not None:
        recognize_heading(ctx, s.heading)
    _read_blocks(doc, ctx, s.blocks)
    s.context = ctx
    if ep.path:
        s.endpoint = ep
    elif (
        (ep.method or (ctx.param_tables and ep.samples))
        and s.heading is not None
        and not _looks_like_envelope(s)
    ):
        doc.warn(
            ep.line, "no-endpoint", f"section {title!r} documents an interface but gives no path; skipped"
        )


def _looks_like_envelope(s: Section) -> bool:
    return bool(re.search(r"return data format|统一返回|返回格式|unified", s.title, re.IGNORECASE))


def _read_blocks(doc: Document, ctx: Context, blocks: list[Block | None]) -> None:
    for b in blocks:
        if b is None:
            continue
        if b.kind == "heading":
            role = classify_label(b.text)
            if role:
                ctx.label, ctx.caption = role, b.text
            continue
        if b.kind == "table":
            if b.headerless:
                if not doc.params_header or len(doc.params_header) != len(b.rows[0]):
                    continue
                doc.warn(
                    b.line,
                    "params-columns",
                    "table rows without a header row: read with the doc's usual columns ("
                    + " | ".join(doc.params_header)
                    + ")",
                )
                b = replace(
                    b,
                    rows=[doc.params_header, *b.rows],
                    row_lines=[b.line, *b.row_lines],
                    raw_cells=[len(doc.params_header), *b.raw_cells],
                    headerless=False,
                )
            elif recognize_kv_table(ctx, b):
                continue
            fields = read_fields_table(b, ctx.warn, ctx.ep.notes)
            if fields is not None:
                doc.params_header = b.rows[0]
                if ctx.label == "fields" or (ctx.label == "response" and ctx.param_tables):
                    ctx.ep.fields.extend(fields)
                elif "code" not in column_roles(b.rows[0]):
                    ctx.ep.params.extend(fields)
                    ctx.param_tables += 1
                continue
        elif b.kind == "code":
            recognize_code(ctx, b)
        elif b.kind == "text":
            recognize_text(ctx, b)


def _finish_endpoint(doc: Document, s: Section, ep: Endpoint) -> None:
    number, title = _strip_number(s.title) if s.heading else ("", "")
    ep.number = number
    if DEPRECATED.search(title):
        ep.deprecated = True
        title = DEPRECATED.sub("", title)
    title = re.sub(r"\s*//\s*$", "", title).strip()
    m = ENDPOINT_LINE.match(title)
    if m or not title:  # the heading is the endpoint itself: the table's description (if any) names it
        title = ep.table_title or title
    if not title:
        title = _first_text(s) or f"{ep.method} {ep.path}"
    ep.title = title
    if not ep.method:
        guessed = "POST" if any(x.role == "request" for x in ep.samples) else "GET"
        doc.warn(
            ep.path_line or ep.line,
            "missing-method",
            f"no request method documented for {ep.path}; {guessed} assumed",
        )
        ep.method = guessed
    if not ep.path.startswith("/"):
        doc.warn(
            ep.path_line, "path-leading-slash", f"path {ep.path!r} has no leading slash; read as '/{ep.path}'"
        )
        ep.path = "/" + ep.path


def _first_text(s: Section) -> str:
    for b in s.blocks:
        if b.kind == "text":
            first = b.text.split("\n", 1)[0].strip()
            if (
                first
                and not classify_label(first)
                and len(first) < 60
                and ":" not in first
                and "：" not in first
            ):
                return first
            return ""
    return ""


def _commented_sections(doc: Document, blocks: list[Block]) -> None:
    for b in blocks:
        if b.kind != "html" or "<!--" not in b.text:
            continue
        for k, ln in enumerate(b.text.split("\n")):
            m = re.match(r"^\s*(?:<!--)?\s*(#{1,6})\s+(.*?)\s*(?:-->)?\s*$", ln)
            if m:
                doc.warn(
                    b.line + k,
                    "commented-section",
                    f"section {m.group(2)!r} is inside an HTML comment (lines {b.line}-{b.end}): skipped, not imported",
                )


# --- document-wide facts --------------------------------------------------------------------------


def _document_facts(doc: Document, sections: list[Section], text: str) -> None:
    for s in sections:
        if s.endpoint is not None:
            continue
        for b in s.blocks:
            if b.kind != "table":
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
    for ep_section in sections:  # `错误码 510 系统错误 610 ...` in notes
        ep = ep_section.endpoint
        if ep is None:
            continue
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
            and s.endpoint is None
        ):
            doc.auth_description = " ".join(b.text for b in s.blocks if b.kind == "text").strip()
    servers = sorted({ep.server for ep in doc.endpoints if ep.server})
    doc.servers = servers


def _line_of(text: str, needle: str) -> int:
    i = text.rfind(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def _check_duplicate_numbers(doc: Document) -> None:
    seen: dict[str, Endpoint] = {}
    for ep in doc.endpoints:
        if not ep.number:
            continue
        if ep.number in seen:
            first = seen[ep.number]
            doc.warn(
                ep.line,
                "duplicate-section-number",
                f"section number {ep.number} is used twice: also by {first.title!r} at line {first.line}",
            )
        else:
            seen[ep.number] = ep


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
        key = (ep.method, ep.path)
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


__all__ = ["Field", "merge_duplicates", "read_document"]
