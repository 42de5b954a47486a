"""Ingest ../shared/manuals into a private library and run `fieldkit eval` on ../shared/eval/dev.jsonl.

Usage: python scripts/dev_eval.py [--no-generate] [--home DIR]. Prints the table the README shows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", default=str(ROOT / ".fieldkit" / "dev"))
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--details", default=str(ROOT / ".fieldkit" / "dev-details.jsonl"))
    args = parser.parse_args()
    if not (SHARED / "eval" / "dev.jsonl").is_file():
        print(f"no question set at {SHARED / 'eval' / 'dev.jsonl'}", file=sys.stderr)
        return 2
    env = dict(os.environ, FIELDKIT_HOME=args.home)
    fieldkit = [sys.executable, "-m", "fieldkit"]
    pdfs = sorted(str(p) for p in (SHARED / "manuals").glob("*.pdf"))
    subprocess.run(fieldkit + ["ingest", *pdfs], env=env, check=True)
    cmd = fieldkit + ["eval", str(SHARED / "eval" / "dev.jsonl"), "--calibrate", "--details", args.details]
    if args.no_generate:
        cmd.append("--no-generate")
    subprocess.run(cmd, env=env, check=True)
    rows = [json.loads(l) for l in Path(args.details).read_text().splitlines()]
    for r in rows:
        if not r["hit5"] and r["answerable"] or r["refused"] != (not r["answerable"]):
            print(f"  {r['id']} {r['kind']}: hit@5={r['hit5']} refused={r['refused']} {r['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
