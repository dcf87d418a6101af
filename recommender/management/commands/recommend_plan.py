import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.limits import (
    BUDGET_JPY_MAX,
    BUDGET_JPY_MIN,
    WEEKLY_HOURS_MAX,
    WEEKLY_HOURS_MIN,
    WEEKS_DEFAULT,
    WEEKS_MAX,
    WEEKS_MIN,
    budget_problem,
    weekly_hours_problem,
    weeks_problem,
)
from courses.catalog_format import FORMATS
from recommender.core.geo import PREFECTURE_CODES
from recommender.core.plan import Constraints
from recommender.planning import plan_for, plan_json
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(BaseCommand):
    help = "A learning plan for a hypothetical learner against the current catalog, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="target role code, e.g. DS_PRO")
        parser.add_argument(
            "--level", action="append", default=[], metavar="CODE=N", help="current level 0-4 of an item"
        )
        parser.add_argument(
            "--weekly-hours", type=float, default=5.0, help=f"{WEEKLY_HOURS_MIN:g} to {WEEKLY_HOURS_MAX:g}"
        )
        parser.add_argument("--weeks", type=int, default=WEEKS_DEFAULT, help=f"{WEEKS_MIN} to {WEEKS_MAX}")
        parser.add_argument("--budget", type=int, default=50_000, help=f"yen, {BUDGET_JPY_MIN} to {BUDGET_JPY_MAX:,}")
        parser.add_argument("--free-only", action="store_true")
        parser.add_argument("--format", action="append", default=[], choices=FORMATS, dest="formats")
        parser.add_argument("--language", choices=["ja", "en"], default="")
        parser.add_argument("--no-literacy", action="store_true", help="the learner has no DX literacy evidence yet")
        parser.add_argument(
            "--prefecture",
            default="",
            metavar="CODE",
            help="where the learner lives, JIS code 01-47 (classroom courses)",
        )
        parser.add_argument("--travel", action="store_true", help="classroom courses in neighbouring prefectures too")
        parser.add_argument("--abroad", action="store_true", help="the learner lives outside Japan (no prefecture)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = standard_version_get()
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        role = version.roles.filter(code=options["role"]).first()
        if role is None:
            raise CommandError(f"--role: {options['role']!r} is not a role code of {version.code}")
        items = set(version.skill_items.values_list("code", flat=True))
        current: dict[str, int] = {}
        for pair in options["level"]:
            code, sep, value = pair.partition("=")
            if not sep or not value.strip().isdigit():
                raise CommandError(f"--level: {pair!r} must be CODE=N, e.g. DU04=2")
            if code not in items:
                raise CommandError(f"--level: {code!r} is not a skill item code")
            if not 0 <= int(value) <= 4:
                raise CommandError(f"--level: {code} must be 0-4, got {value}")
            current[code] = int(value)
        prefecture = options["prefecture"].strip()
        if prefecture and prefecture not in PREFECTURE_CODES:
            raise CommandError(f"--prefecture: {prefecture!r} is not a prefecture code (JIS 01-47)")
        if prefecture and options["abroad"]:
            raise CommandError("--prefecture: a learner abroad has no prefecture (drop --abroad or --prefecture)")
        for flag, problem in (
            ("--weekly-hours", weekly_hours_problem(options["weekly_hours"])),
            ("--weeks", weeks_problem(options["weeks"])),
            ("--budget", budget_problem(options["budget"])),
        ):
            if problem:
                raise CommandError(f"{flag}: {problem}")
        try:
            limits = Constraints(
                weekly_hours=options["weekly_hours"],
                weeks=options["weeks"],
                budget_jpy=options["budget"],
                free_only=options["free_only"],
                formats=tuple(options["formats"]),
                language=options["language"],
                prefecture=prefecture,
                travel=options["travel"],
            )
        except ValueError as exc:
            name = str(exc).split(" ")[0].replace("_", "-").replace("budget-jpy", "budget")
            raise CommandError(f"--{name}: {exc}") from exc
        gaps, plan = plan_for(role=role, current=current, limits=limits, literacy_evidence=not options["no_literacy"])
        self.stdout.write(json.dumps(plan_json(gaps, plan), ensure_ascii=False, indent=2))
