"""Schema inference: JSON Schema (OpenAPI 3.0 dialect) from sample values and field tables."""

from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]

TYPE_WORDS: dict[str, str] = {
    "int": "integer",
    "integer": "integer",
    "int8": "integer",
    "int16": "integer",
    "uint": "integer",
    "uint8": "integer",
    "uint16": "integer",
    "uint32": "integer",
    "uint64": "integer",
    "long int": "integer",
    "short": "integer",
    "num": "number",
    "timestamp": "integer",
    "int32": "integer",
    "int64": "integer",
    "long": "integer",
    "bigint": "integer",
    "整数": "integer",
    "整型": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "decimal": "number",
    "数字": "number",
    "数值": "number",
    "string": "string",
    "str": "string",
    "char[]": "string",
    "varchar": "string",
    "text": "string",
    "char": "string",
    "字符串": "string",
    "date": "string",
    "datetime": "string",
    "bool": "boolean",
    "bit": "boolean",
    "boolean": "boolean",
    "布尔": "boolean",
    "array": "array",
    "list": "array",
    "数组": "array",
    "object": "object",
    "obj": "object",
    "json对象": "object",
    "json": "object",
    "struct": "object",
    "dict": "object",
    "map": "object",
    "对象": "object",
    "file": "file",
    "bytes": "file",
    "image": "file",
    "图片": "file",
    "文件": "file",
    "binary": "file",
    "javascript": "any",
    "any": "any",
    "mixed": "any",
}

INTEGER_NAME = re.compile(
    r"(^|_)(id|ids|idx|index|page|page_no|page_num|page_size|pagesize|limit|offset|count|num|size|level|star|"
    r"state|status|sex|age|ts|from_app|batch_size|del|top|total|times|code|ok)$|^(is|has|can|need)_|Id$|Count$|Size$|At$|^page",
)


def table_type(written: str) -> str:
    """The schema type a table's type cell means: integer/number/string/boolean/array/object/file/any, or ''."""
    t = written.strip().strip("`").lower().replace("\u00a0", " ").strip()
    t = re.sub(r"\s*[(（].*[)）]$", "", t)
    if t.endswith("[]") or t.startswith(("array", "list", "repeated ")) or "数组" in t or t.endswith("list"):
        return "array"
    if t in ("strs", "nums", "ints", "ids", "numbers", "strings"):
        return "array"  # plural type words (`nums`: a list of numbers)
    return TYPE_WORDS.get(t, "")


def infer(value: Any) -> Schema:
    if value is None:
        return {"nullable": True}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if isinstance(value, list):
        items: Schema | None = None
        for v in value:
            items = infer(v) if items is None else merge(items, infer(v))
        return {"type": "array", "items": items if items is not None else {}}
    if isinstance(value, dict):
        if not value:
            # `"receipt": {}`: the sample shows no fields, not that there are none
            return {"type": "object", "additionalProperties": True}
        props = {str(k): infer(v) for k, v in value.items()}
        return {"type": "object", "properties": props, "required": list(props)}
    return {}


def merge(a: Schema, b: Schema) -> Schema:
    """The schema that both samples satisfy (the union of what each shows)."""
    if not a:
        return dict(b) if "type" not in b else {}
    if not b:
        return dict(a) if "type" not in a else {}
    if "anyOf" in a or "anyOf" in b:
        return _merge_alternatives(a, b)
    ta, tb = a.get("type"), b.get("type")
    nullable = a.get("nullable", False) or b.get("nullable", False)
    if ta is None and a.get("nullable") and set(a) <= {"nullable", "description"}:
        out = dict(b)
        out["nullable"] = True
        return _keep_description(out, a)
    if tb is None and b.get("nullable") and set(b) <= {"nullable", "description"}:
        out = dict(a)
        out["nullable"] = True
        return out
    if ta == tb == "object":
        props: dict[str, Schema] = {}
        pa, pb = a.get("properties", {}), b.get("properties", {})
        for k in [*pa, *[k for k in pb if k not in pa]]:
            props[k] = merge(pa[k], pb[k]) if k in pa and k in pb else dict(pa.get(k) or pb[k])
        out = {**a, "properties": props}
        if not props:
            del out["properties"]
        if a.get("additionalProperties") is True or b.get("additionalProperties") is True:
            out["additionalProperties"] = True
        req = [k for k in a.get("required", []) if k in set(b.get("required", []))]
        if req:
            out["required"] = req
        else:
            out.pop("required", None)
    elif ta == tb == "array":
        ia, ib = a.get("items", {}), b.get("items", {})
        out = {**a, "items": merge(ia, ib) if ia and ib else dict(ia or ib)}
    elif ta == tb:
        out = dict(a)
    elif {ta, tb} == {"integer", "number"}:
        out = {**a, "type": "number"}
    else:
        return _merge_alternatives(a, b)
    if nullable:
        out["nullable"] = True
    return _keep_description(out, b)


def _merge_alternatives(a: Schema, b: Schema) -> Schema:
    """Union of schemas with several types: one alternative per type, each merged with its kin."""
    alts: list[Schema] = []
    nullable = False
    for s in (*a.get("anyOf", [a]), *b.get("anyOf", [b])):
        nullable = (
            nullable or s.get("nullable", False) or a.get("nullable", False) or b.get("nullable", False)
        )
        s = {k: v for k, v in s.items() if k != "nullable"}
        if not s:
            continue
        kin = next(
            (
                i
                for i, x in enumerate(alts)
                if x.get("type") == s.get("type") or {x.get("type"), s.get("type")} == {"integer", "number"}
            ),
            None,
        )
        if kin is None:
            alts.append(s)
        else:
            alts[kin] = merge(alts[kin], s)
    out: Schema = alts[0] if len(alts) == 1 else {"anyOf": alts}
    if nullable:
        out = {**out, "nullable": True}
    return out


def _keep_description(out: Schema, other: Schema) -> Schema:
    if "description" not in out and other.get("description"):
        out["description"] = other["description"]
    return out


def schema_for_type(kind: str, name: str, hint: Schema | None = None) -> Schema:
    """A schema for a table type, refined by what samples show for the same field name."""
    hint = hint or {}
    if kind in ("", "any"):
        return dict(hint) if hint else {}
    if kind == "file":
        return {"type": "string", "format": "binary"}
    if kind == "number":
        if hint.get("type") in ("integer", "number"):
            return {"type": hint["type"]}
        return {"type": "integer" if INTEGER_NAME.search(name) else "number"}
    if kind == "array":
        if hint.get("type") == "array":
            return {"type": "array", "items": hint.get("items", {})}
        return {"type": "array", "items": {}}
    if kind == "object":
        if hint.get("type") == "object":
            return dict(hint)
        # the doc says "an object" and shows none of its fields: any fields, not none
        return {"type": "object", "additionalProperties": True}
    return {"type": kind}


def example_for(schema: Schema, name: str, description: str = "", default: str = "") -> Any:
    """A plausible value for a request example, from the schema, the name and the doc's hints."""
    t = schema.get("type")
    choices = _choices(description)
    if default:
        v = _coerce(default.strip("'\"`"), t)
        if v is not None:
            return v
    if "enum" in schema:
        return schema["enum"][0]
    if t in ("integer", "number"):
        for c in choices:
            v = _coerce(c, t)
            if v is not None:
                return v
        return 1
    if t == "boolean":
        return True
    if t == "array":
        item = schema.get("items") or {}
        return [example_for(item, name.rstrip("s"))] if item.get("type") else []
    if t == "object":
        props = schema.get("properties", {})
        return {k: example_for(v, k) for k, v in props.items()}
    if t == "string":
        if schema.get("format") == "binary":
            return "file.bin"
        if choices:
            return choices[0]
        lname = name.lower()
        if lname == "id" or lname.endswith(("_id", "id")):
            return "1"
        if "email" in lname:
            return "user@example.com"
        if "url" in lname or "link" in lname:
            return "https://example.com/x"
        if "lang" in lname:
            return "en"
        if "password" in lname or lname.endswith("pwd"):
            return "secret123"
        return name or "text"
    return None


def _choices(description: str) -> list[str]:
    d = description.strip()
    if not d:
        return []
    m = re.findall(r"`([^`]+)`", d)
    if m:
        return m
    if re.fullmatch(r"[\w.\- ]+(/[\w.\- ]+)+", d):  # chat/group chat, 0/1, image/audio
        return [c.strip() for c in d.split("/")]
    m = re.findall(r"(\d+)\s*[:：]", d)  # 1: month pro, 2: ...
    return m


def _coerce(raw: str, t: str | None) -> Any:
    if t == "integer":
        return int(raw) if re.fullmatch(r"-?\d+", raw) else None
    if t == "number":
        try:
            return float(raw) if "." in raw else int(raw)
        except ValueError:
            return None
    if t == "boolean":
        return {"true": True, "false": False}.get(raw.lower())
    if t == "string":
        return raw
    return None
