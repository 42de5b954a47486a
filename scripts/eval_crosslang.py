"""Cross-language retrieval measured: page hit@5 of the answerable questions of the given sets, by
question language and by the manual's script (an English question about a Chinese manual is its own
row), over the library at $FIELDKIT_HOME (whichever embedder built it; the report says which).

Usage: FIELDKIT_HOME=... python scripts/eval_crosslang.py SET.jsonl [SET.jsonl ...]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def main() -> None:
    from fieldkit.answering.engine import Engine
    from fieldkit.text.language import detect_language

    engine = Engine()
    hits: dict[str, list[bool]] = defaultdict(list)
    for name in sys.argv[1:]:
        for line in Path(name).read_text().splitlines():
            item = json.loads(line) if line.strip() else None
            gold = set((item or {}).get("gold_pages") or (item or {}).get("pages") or [])
            if not gold:
                continue
            lang = item.get("lang") or detect_language(item["question"])
            cjk_doc = engine.library.written_in_cjk(item["doc"])
            key = f"{lang}->{'zh' if cjk_doc else 'en'} manual"
            passages = engine.search(item["question"], k=5).passages
            hits[key].append(any(p.doc == item["doc"] and p.page in gold for p in passages))
    rows = {k: f"{sum(v)}/{len(v)} = {sum(v) / len(v):.2f}" for k, v in sorted(hits.items())}
    cross = [h for k, v in hits.items() if k.split("->")[0] != k.split("->")[1].split()[0] for h in v]
    print(json.dumps({"embedder": engine.embedder.id, "by_language": rows,
                      "cross_language": f"{sum(cross)}/{len(cross)} = {sum(cross) / max(1, len(cross)):.2f}"}, indent=1))


if __name__ == "__main__":
    main()
