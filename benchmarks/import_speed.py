"""How long importing the 256 KB character doc takes in-process, against markdown-it-py parsing it.

The peer is the markdown parse alone (the floor under any markdown importer built on it), timed
in the same run, so the ratio says how much our recognizers, sample reader, inference and
example checks add. Run: `python -m benchmarks.import_speed` or `mdcontract bench import`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from markdown_it import MarkdownIt

from generators.importer import import_markdown
from generators.overlay import load_overlay

ROOT = Path(__file__).resolve().parent.parent


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mdcontract bench import", description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--doc", default=str(ROOT / "spec" / "sources" / "character.md"))
    args = parser.parse_args(argv)
    source = Path(args.doc)
    text = source.read_text(encoding="utf-8")
    overlay_path = ROOT / "spec" / "overlays" / f"{source.stem}.yaml"
    overlay = load_overlay(overlay_path) if overlay_path.exists() else None
    md = MarkdownIt("commonmark").enable("table")
    import_markdown(text, source.name, overlay)  # warm-up: imports, regex compilation
    ours = _time(lambda: import_markdown(text, source.name, overlay), args.repeat)
    peer = _time(lambda: md.parse(text), args.repeat)
    m_ours, m_peer = statistics.median(ours), statistics.median(peer)
    print(f"document: {source.name} ({len(text.encode()) // 1024} KB)")
    print(
        f"mdcontract import (in-process, with overlay and example checks): median {m_ours * 1000:.0f} ms, best {min(ours) * 1000:.0f} ms"
    )
    print(f"markdown-it-py parse alone (peer):                              median {m_peer * 1000:.0f} ms")
    print(
        f"ratio import / parse: {m_ours / m_peer:.2f}x   target: import under 500 ms -> {'met' if m_ours < 0.5 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
