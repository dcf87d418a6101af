"""Japan's 47 prefectures (JIS X 0401 codes 01-47) and which are neighbours (recommender/data)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "prefecture_neighbours.json"
PREFECTURE_CODES: tuple[str, ...] = tuple(f"{n:02d}" for n in range(1, 48))


@lru_cache(maxsize=1)
def neighbours() -> dict[str, frozenset[str]]:
    """Prefecture code -> the codes that border it (land, or a fixed bridge or tunnel)."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {code: frozenset(raw[code]) for code in PREFECTURE_CODES}


def reachable(home: str, *, travel: bool) -> frozenset[str]:
    """Where a learner living in `home` attends in person: home, plus its neighbours when they travel."""
    if not home:
        return frozenset()
    return frozenset({home}) | (neighbours()[home] if travel else frozenset())
