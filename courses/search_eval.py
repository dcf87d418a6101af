"""Relevance of the catalog search on the fixed query set courses/data/search_queries.json (issue 21).

`evaluate(search)` runs every query through `search(q) -> ranked course codes` and returns
nDCG@10 (graded gains 2/1, log2 discount) and the zero-result rate over queries that have
relevant courses. `legacy_ranking` is main's search before issue 21, kept to measure against:
every whitespace-separated word a substring of the NFKC lower-cased text, title hits first,
then level, price and id.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUERIES = Path(__file__).resolve().parent / "data" / "search_queries.json"


def load_queries() -> list[dict[str, Any]]:
    return list(json.loads(QUERIES.read_text("utf-8"))["queries"])


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(code, 0) / math.log2(i + 2) for i, code in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


@dataclass
class Evaluation:
    rows: list[tuple[str, int, float]]  # query, hits, nDCG@10

    @property
    def ndcg(self) -> float:
        return sum(r[2] for r in self.rows) / len(self.rows)

    @property
    def zero_rate(self) -> float:
        return sum(r[1] == 0 for r in self.rows) / len(self.rows)


def evaluate(search: Callable[[str], list[str]]) -> Evaluation:
    rows = []
    for query in load_queries():
        if not query["relevant"]:
            continue
        ranked = search(query["q"])
        rows.append((query["q"], len(ranked), ndcg_at(ranked, query["relevant"])))
    return Evaluation(rows)


def legacy_ranking(courses: list[dict[str, Any]], q: str) -> list[str]:
    """main's search before issue 21 over catalog records (the fields it read: titles and descriptions)."""

    def norm(text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower()

    terms = norm(q).split()
    hits = []
    for c in courses:
        text = norm("\n".join(c[k] for k in ("title_ja", "title_en", "description_ja", "description_en") if c[k]))
        if all(t in text for t in terms):
            title = any(t.lower() in (c["title_ja"] + " " + c["title_en"]).lower() for t in terms)
            hits.append((-int(title), c["level"], c["price_jpy"], c["code"]))
    return [h[3] for h in sorted(hits)]
