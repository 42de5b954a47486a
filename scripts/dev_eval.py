"""The dev set and the validation sets, side by side (`make eval`).

Ingests ../shared/manuals into one private library (the dev set's) and, in a copy, adds
../shared/manuals-extra (the library the validation sets in tests/eval/ are asked against); runs
`fieldkit eval` on the dev set with --calibrate in the first, and on all three sets in the second.
Usage: python scripts/dev_eval.py [--no-generate] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = [SHARED / "eval" / "dev.jsonl"] + [ROOT / "tests" / "eval" / name for name in (
    "holdout-manuals.jsonl", "validation-extra.jsonl", "validation-extra-2.jsonl", "validation-3.jsonl")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", default=str(ROOT / ".fieldkit"))
    parser.add_argument("--no-generate", action="store_true")
    args = parser.parse_args()
    if not SETS[0].is_file():
        print(f"no question set at {SETS[0]}", file=sys.stderr)
        return 2
    fieldkit = [sys.executable, "-m", "fieldkit"]
    dev_home, all_home = Path(args.home) / "dev", Path(args.home) / "all"
    extra = ["--no-generate"] if args.no_generate else []

    def run(home: Path, *cmd: str) -> None:
        subprocess.run(fieldkit + list(cmd), env=dict(os.environ, FIELDKIT_HOME=str(home)), check=True)

    run(dev_home, "ingest", *sorted(str(p) for p in (SHARED / "manuals").glob("*.pdf")))
    if all_home.exists():
        shutil.rmtree(all_home)
    shutil.copytree(dev_home, all_home)
    run(all_home, "ingest", *sorted(str(p) for p in (SHARED / "manuals-extra").glob("*.pdf")))
    print("== dev set, library of ../shared/manuals (the dev set's own), thresholds calibrated on it")
    run(dev_home, "eval", str(SETS[0]), "--calibrate", *extra)
    details = Path(args.home) / "eval-details.jsonl"
    print("\n== all sets, library of ../shared/manuals + manuals-extra; calibrated on the dev set, scored on the others")
    run(all_home, "eval", *map(str, SETS), "--calibrate", "--details", str(details), *extra)
    for r in (json.loads(l) for l in details.read_text().splitlines()):
        if r["refused"] == r["answerable"]:
            what = "refused" if r["refused"] else "answered"
            print(f"  {r['set']} {r['id']} {r['kind']}: {what} (hit@5={r['hit5']}) {r['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
