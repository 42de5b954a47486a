"""Photo questions measured: label texts (JSON Lines: lines, doc, pages, identifiers, answerable) are
rendered as phone-like photos (tests/photos.py), read by OCR and searched in the library at
$FIELDKIT_HOME. Reports page hit@5, identifiers read, and how photos of unknown identifiers end.

Usage: FIELDKIT_HOME=... python scripts/eval_photos.py SET.jsonl [--details OUT.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
FONTS = [None, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"]


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).upper()


def run(engine, items: list[dict], tmp: Path) -> tuple[dict, list[dict]]:
    """Each label rendered as a photo, read and searched; the report and one row per item."""
    from photos import label_photo

    from fieldkit.answering.events import Done
    from fieldkit.errors import BadInputError

    rows = []
    for n, item in enumerate(items):
        if any(re.search(r"[\u3400-\u9fff]", line) for line in item["lines"]):
            rows.append({"id": item["id"], "skipped": "CJK text: no CJK font to render it"})
            continue
        font = FONTS[n % len(FONTS)]
        if font and not Path(font).exists():
            font = None
        photo = label_photo(tmp / f"{item['id']}.jpg", item["lines"], angle=(-1) ** n * (3 + n % 9), seed=n,
                            font=font)
        try:
            reading = engine.read_photo(photo)
        except BadInputError as exc:
            rows.append({"id": item["id"], "answerable": item["answerable"], "error": exc.message, "hit5": False})
            continue
        result = engine.search("", k=5, photo=reading)
        hit = any(p.doc == item["doc"] and p.page in item["pages"] for p in result.passages)
        read = {_key(i.text) for i in reading.identifiers}
        wanted = [i for i in item["identifiers"] if re.search(r"\d", i) and _key(i)]
        got = [i for i in wanted if _key(i) in read or _key(i) in _key(reading.text)]
        done = [e for e in engine.answer("", photo=reading, generate=False, log=False) if isinstance(e, Done)][0]
        rows.append({"id": item["id"], "answerable": item["answerable"], "hit5": hit, "refused": done.answer.refused,
                     "reason": done.answer.reason, "wanted": wanted, "read": got, "text": reading.text,
                     "identifiers": [(i.text, i.in_manuals) for i in reading.identifiers],
                     "top": [(p.doc, p.page) for p in result.passages]})
    answerable = [r for r in rows if r.get("answerable") and "skipped" not in r]
    unknown = [r for r in rows if r.get("answerable") is False]
    wanted = sum(len(r.get("wanted", [])) for r in answerable + unknown)
    report = {
        "answerable": len(answerable),
        "hit@5": round(sum(r["hit5"] for r in answerable) / max(1, len(answerable)), 3),
        "answerable_refused": sum(bool(r.get("refused")) for r in answerable),
        "unknown": len(unknown),
        "unknown_refused": sum(bool(r.get("refused")) for r in unknown),
        "identifiers_read": f"{sum(len(r.get('read', [])) for r in answerable + unknown)}/{wanted}",
        "skipped": [r["id"] for r in rows if "skipped" in r],
    }
    return report, rows


def main() -> None:
    from fieldkit.answering.engine import Engine

    parser = argparse.ArgumentParser()
    parser.add_argument("questions")
    parser.add_argument("--details")
    args = parser.parse_args()
    items = [json.loads(line) for line in Path(args.questions).read_text().splitlines() if line.strip()]
    report, rows = run(Engine(), items, Path(tempfile.mkdtemp()))
    print(json.dumps(report))
    if args.details:
        Path(args.details).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


if __name__ == "__main__":
    main()
