"""Merge fixtures/source/catalog/part_*.json into fixtures/sample_catalog.json.

The parts were written by hand per skill category; the merged file is what
`make run` imports.  Order: providers as in fixtures/sample_providers.json, then code.
Run: python scripts/build_sample_catalog.py [--check]
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = sorted((ROOT / "fixtures" / "source" / "catalog").glob("part_*.json"))
OUT = ROOT / "fixtures" / "sample_catalog.json"


def build() -> str:
    providers = [p["name_ja"] for p in json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8"))]
    order = {name: i for i, name in enumerate(providers)}
    courses = [c for part in PARTS for c in json.loads(part.read_text("utf-8"))]
    courses.sort(key=lambda c: (order.get(c["provider"], len(order)), c["code"]))
    return json.dumps(courses, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    text = build()
    if "--check" in sys.argv:
        if OUT.read_text("utf-8") != text:
            print(f"{OUT} is out of date: run python scripts/build_sample_catalog.py")
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {len(json.loads(text))} courses from {len(PARTS)} parts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
