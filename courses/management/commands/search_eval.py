"""Print nDCG@10 and the zero-result rate of the catalog search on courses/data/search_queries.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from courses.search_eval import evaluate, legacy_ranking
from courses.selectors import CourseQuery, course_search
from skills.selectors import standard_version_get

CATALOG = Path(__file__).resolve().parents[3] / "fixtures" / "sample_catalog.json"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--legacy", action="store_true", help="main's search before issue 21 (on the fixture)")
        parser.add_argument("--per-query", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["legacy"]:
            courses = json.loads(CATALOG.read_text("utf-8"))
            result = evaluate(lambda q: legacy_ranking(courses, q))
        else:
            version = standard_version_get()
            result = evaluate(
                lambda q: list(course_search(query=CourseQuery(q=q), version=version).values_list("code", flat=True))
            )
        if options["per_query"]:
            for q, hits, ndcg in result.rows:
                self.stdout.write(f"{ndcg:6.3f} {hits:4d}  {q}")
        self.stdout.write(
            f"{'legacy' if options['legacy'] else 'new'} search: {len(result.rows)} queries, "
            f"nDCG@10 {result.ndcg:.3f}, zero-result rate {result.zero_rate:.3f}"
        )
