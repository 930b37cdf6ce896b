"""Text utilities of the fake generator: language detection, keywords, stream pieces, translation."""

from __future__ import annotations

import re

from generators.fake.glossary import EN_ZH, PUNCT_EN_ZH, PUNCT_ZH_EN, ZH_EN, ZH_MAX

# Han ideographs plus kana and hangul: scripts a model emits a character or two at a time.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# CJK punctuation and full-width forms (，。！？「」 …) travel with the characters before them.
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"

# Text looked at for language and keywords: a pasted novel must not make a reply slow.
SCAN_LIMIT = 2000
MAX_PIECE = 16

_PIECE = re.compile(
    r"\n+"
    rf"|[{_CJK}]{{1,2}}[{_CJK_PUNCT}]{{0,2}}[^\S\n]*"
    rf"|[{_CJK_PUNCT}]+[^\S\n]*"
    rf"|[^\s{_CJK}{_CJK_PUNCT}]+[^\S\n]*"
    r"|[^\S\n]+"
)


def chunks(text: str) -> list[str]:
    """Cut ``text`` into the small pieces a model would stream: one or two CJK characters (with
    the punctuation after them), a Latin word with its punctuation and trailing spaces, a run of
    newlines. Asterisks stay on the word they touch. ``"".join(chunks(t)) == t``; no piece is
    empty or longer than ``MAX_PIECE`` characters."""
    pieces = []
    for piece in _PIECE.findall(text):
        if len(piece) <= MAX_PIECE:
            pieces.append(piece)
        else:
            # A URL or a wall of spaces: still small pieces, so pacing stays even.
            pieces.extend(piece[i : i + MAX_PIECE] for i in range(0, len(piece), MAX_PIECE))
    return pieces


def detect_language(text: str | None) -> str | None:
    """ "zh" when Han characters make up at least a third of the letters, "en" when there are
    Latin letters, None when the text has no letters at all (so the caller looks elsewhere)."""
    if not text:
        return None
    sample = text[:SCAN_LIMIT]
    han = len(_HAN.findall(sample))
    latin = len(_LATIN_LETTER.findall(sample))
    if han and han * 3 >= han + latin:
        return "zh"
    if han or latin:
        return "en"
    return None


def language_code(lang: str | None) -> str:
    """A language code as the APIs write it ("zh-TW", "en_US", "Chinese") -> "zh", "en", "ja" ..."""
    code = (lang or "").strip().lower().replace("_", "-")
    code = _LANGUAGE_ALIASES.get(code, code)
    for known in ("zh", "en"):
        if code == known or code.startswith(known + "-"):
            return known
    return code


_LANGUAGE_ALIASES = {"chinese": "zh", "中文": "zh", "cn": "zh", "english": "en", "英文": "en"}

# --- keywords -----------------------------------------------------------------------------------

_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]")
_EN_STOP = frozenset(
    (
        "about", "after", "again", "also", "always", "another", "anything", "been", "before", "being", "could",
        "does", "doesn", "don't", "done", "even", "every", "feel", "from", "give", "going", "gonna", "hate",
        "have", "having", "hello", "here", "hers", "just", "know", "later", "like", "little", "look", "love",
        "loves", "make", "maybe", "more", "need", "most", "much", "never", "okay", "only", "other", "please",
        "really", "said", "same", "should", "some", "something", "sure", "tell", "than", "thank", "thanks",
        "that", "that's", "their", "them", "then", "there", "these", "they", "thing", "think", "this", "those",
        "very", "wanna", "want", "well", "were", "what", "what's", "when", "where", "which", "while", "will",
        "with", "would", "yeah", "your", "you're", "you've", "yours",
    )
)  # fmt: skip
_ZH_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_ZH_FUNCTION_WORDS = (
    "为什么", "怎么样", "关于", "因为", "所以", "但是", "如果", "可以", "什么", "怎么", "这个", "那个", "一个", "一下", "我们", "你们",
    "他们", "她们", "喜欢", "觉得", "知道", "想要", "告诉", "的", "了", "是", "我", "你", "他", "她", "它", "在", "和", "与",
    "也", "都", "很", "就", "还", "要", "想", "说", "吗", "呢", "吧", "啊", "呀", "哦", "嗯", "这", "那", "么", "有",
    "没", "不", "会", "能", "去", "来", "到", "给", "让", "被", "把", "对", "跟", "从", "请", "一", "个", "再", "又",
    "讲", "聊",
)  # fmt: skip
# Function words split a Chinese run into the content words around them (longest first).
_ZH_SPLIT = re.compile("(?:" + "|".join(sorted(_ZH_FUNCTION_WORDS, key=len, reverse=True)) + ")+")
_NP_EN = re.compile(
    r"\b(?:a|an|the)\s+([A-Za-z\u00c0-\u024f][\w\-]*(?:\s+[A-Za-z\u00c0-\u024f][\w\-]*){0,3})", re.IGNORECASE
)
_NP_EN_STOP = frozenset(
    (
        "who", "that", "which", "with", "and", "or", "but", "of", "in", "on", "at", "from", "to", "for",
        "by", "as", "is", "was", "has", "have", "loves", "likes",
    )
)  # fmt: skip
_CLAUSE = re.compile(r"[，。！？；、,.!?;\n]")
# "……的图书管理员" / "是一位图书管理员": what the description says the persona is.
_NP_ZH = re.compile(r"(?:.*的|.*是(?:一[个位名只]|个))([\u4e00-\u9fff]{2,6})")


def keywords(text: str, lang: str) -> list[str]:
    """Content words of ``text`` in order of appearance, without repeats."""
    sample = text[:SCAN_LIMIT]
    found: dict[str, None] = {}
    if lang == "zh":
        for run in _ZH_RUN.findall(sample):
            for word in _ZH_SPLIT.split(run):
                if 2 <= len(word) <= 6:
                    found[word] = None
    else:
        for match in _EN_WORD.finditer(sample):
            word = match.group()
            if len(word) < 4 or word.lower() in _EN_STOP:
                continue
            if match.start() == 0 and not word.isupper():
                word = word.lower()  # capitalized only because it starts the message
            found[word] = None
    return list(found)


def noun_phrases(text: str, lang: str) -> list[str]:
    """What a description says the persona is: "a brave knight who..." -> "brave knight";
    "一位温柔的图书管理员" -> "图书管理员"."""
    sample = text[:SCAN_LIMIT]
    out: dict[str, None] = {}
    if lang == "zh":
        for clause in _CLAUSE.split(sample):
            match = _NP_ZH.match(clause)
            if match:
                out[match.group(1)] = None
        return list(out)
    for match in _NP_EN.finditer(sample):
        words = []
        for word in match.group(1).split():
            if word.lower() in _NP_EN_STOP:
                break
            words.append(word.lower() if not word.isupper() else word)
        if words:
            out[" ".join(words)] = None
    return list(out)


# --- pseudo-translation -------------------------------------------------------------------------

_PREFIX = re.compile(r"^\[([a-z]{2,3}(?:-[a-z0-9]+)*)\] ")
_EN_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\s+|.", re.DOTALL)


def translate(text: str, target_lang: str) -> str:
    """A deterministic pseudo-translation, for mocks and the reference server: same input, same
    output, and a result that visibly is "the other language" without any model.

    - to ``zh``: English words found in a small glossary of common chat words become Chinese,
      ASCII punctuation becomes full-width; a run of English words the glossary does not know is
      kept and marked ``[en:dragons]``.
    - to ``en``: Chinese words found in the glossary (longest match first) become English words,
      full-width punctuation becomes ASCII; unknown Chinese is kept and marked ``[zh:麒麟]``.
    - text already in the target's script passes through unchanged, and the markers a previous
      call left for the target language are unwrapped, so a round trip keeps unknown words.
    - any other target (``ja``, ``fr`` ...): the text prefixed with ``[ja] `` (a previous prefix
      replaced, never stacked).
    - empty text, or an empty target language, gives the text back as it is.

    ``zh-TW``, ``en_US``, ``Chinese`` and the like are read as ``zh``/``en``.
    """
    target = language_code(target_lang)
    if not text or not target:
        return text
    body = _PREFIX.sub("", text, count=1)
    # Markers for the target language hold text already in that language: take it as it is.
    body = re.sub(re.escape(f"[{target}:") + r"([^\]]*)\]", lambda m: m.group(1), body)
    if target == "zh":
        return _to_chinese(body) if _LATIN_LETTER.search(body) else body
    if target == "en":
        return _to_english(body) if _HAN.search(body) else body
    return f"[{target}] {body}"


def _english_to_chinese_word(word: str) -> str | None:
    lower = word.lower()
    found = EN_ZH.get(lower)
    if found is None and len(lower) > 3 and lower.endswith("s"):
        found = EN_ZH.get(lower[:-1])  # "cats" -> "cat": plurals are most of the misses
    return found


def _to_chinese(body: str) -> str:
    out: list[str] = []
    unknown: list[str] = []  # the current run of words the glossary does not know
    pending_space = ""

    def flush() -> None:
        if unknown:
            out.append(f"[en:{''.join(unknown)}]")
            unknown.clear()

    for token in _EN_TOKEN.findall(body):
        if token[0].isascii() and token[0].isalpha():
            chinese = _english_to_chinese_word(token)
            if chinese is None:
                if unknown:
                    unknown.append(pending_space)
                unknown.append(token)
            else:
                flush()
                out.append(chinese)
            pending_space = ""
        elif token.isspace():
            if "\n" in token:
                flush()
                out.append("\n" * token.count("\n"))
                pending_space = ""
            else:
                # Chinese puts no spaces between words; inside an unknown run they are kept.
                pending_space = token
        else:
            flush()
            if pending_space and _ascii_alnum(token) and out and _ascii_alnum(out[-1][-1:]):
                out.append(pending_space)  # "3 4" stays two numbers
            pending_space = ""
            out.append(PUNCT_EN_ZH.get(token, token))
    flush()
    return "".join(out)


def _ascii_alnum(text: str) -> bool:
    return text.isascii() and text.isalnum()


def _to_english(body: str) -> str:
    tokens: list[tuple[str, str]] = []  # (kind, text): word, unknown, punct, open, close, other
    unknown: list[str] = []

    def flush() -> None:
        if unknown:
            tokens.append(("unknown", f"[zh:{''.join(unknown)}]"))
            unknown.clear()

    i = 0
    while i < len(body):
        char = body[i]
        if _HAN.match(char):
            for size in range(min(ZH_MAX, len(body) - i), 0, -1):
                english = ZH_EN.get(body[i : i + size])
                if english is not None:
                    flush()
                    if english:
                        tokens.append(("word", "I" if english == "i" else english))
                    i += size
                    break
            else:
                unknown.append(char)
                i += 1
            continue
        flush()
        if char in ("「", "『", "“"):
            tokens.append(("open", '"'))
        elif char in ("」", "』", "”"):
            tokens.append(("close", '"'))
        elif char in PUNCT_ZH_EN:
            tokens.append(("punct", PUNCT_ZH_EN[char]))
        else:
            tokens.append(("other", char))
        i += 1
    flush()
    return _capitalize(_join_english(tokens))


def _join_english(tokens: list[tuple[str, str]]) -> str:
    out: list[str] = []
    previous = ""
    for kind, text in tokens:
        if out and _space_between(previous, out[-1], kind, text):
            out.append(" ")
        out.append(text)
        previous = kind
    return "".join(out)


def _space_between(previous: str, before: str, kind: str, text: str) -> bool:
    after_word = previous in ("word", "unknown", "punct", "close")
    if kind in ("word", "unknown", "open"):
        return after_word or (previous == "other" and before[-1:].isalnum())
    return kind == "other" and text.isalnum() and after_word


_SENTENCE_START = re.compile(r"(^|[.!?]\s+|\n)([a-z])")


def _capitalize(text: str) -> str:
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
