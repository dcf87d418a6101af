import sys
import time
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from portal.population import Spec
from portal.population_load import LoadReport, PopulationError, population_generate


def _positive(name: str, minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise CommandError(f"--{name}: {text!r} is not a whole number") from None
        if value < minimum:
            raise CommandError(f"--{name}: must be at least {minimum}, got {value}")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Generate a synthetic national population (learners weighted by prefecture and industry like Japan's "
        "workforce, organizations, target roles, self-assessments, enrollments and exactly M progress events "
        "over FY2022-FY2026), loaded with COPY on PostgreSQL in one transaction; the national rollup is "
        "rebuilt at the end. The same --seed gives the same population."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=_positive("learners", 1), required=True)
        parser.add_argument("--events", type=_positive("events", 0), required=True)
        parser.add_argument("--orgs", type=_positive("orgs", 0), required=True)
        parser.add_argument("--seed", type=_positive("seed", 0), default=1)
        parser.add_argument(
            "--until",
            default="2026-10-31",
            help="no event after this day (UTC); fixed so that a seed always gives the same data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            until = datetime.fromisoformat(options["until"]).replace(hour=23, minute=59, tzinfo=UTC)
        except ValueError:
            raise CommandError(f"--until: {options['until']!r} is not a date (YYYY-MM-DD)") from None
        if until < datetime(2022, 6, 1, tzinfo=UTC):
            raise CommandError("--until: must be after 2022-06-01 (activity starts in FY2022)")
        spec = Spec(
            learners=options["learners"],
            events=options["events"],
            orgs=options["orgs"],
            seed=options["seed"],
            until=until,
        )
        if connection.vendor != "postgresql" and spec.learners > 200_000:
            self.stderr.write(
                self.style.WARNING("SQLite: this many learners will be slow; PostgreSQL loads with COPY.")
            )
        started = time.perf_counter()
        show = options["verbosity"] > 0
        last = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if show and phase == "commit":
                sys.stdout.write("" if done else "  committing: PostgreSQL checks every foreign key ...\n")
                return
            if not show or (now - last[0] < 1.0 and done < total):
                return
            last[0] = now
            elapsed = now - started
            rate = done / elapsed if elapsed else 0.0
            width = 30
            filled = int(width * done / max(total, 1))
            eta = (total - done) / rate if rate and phase == "learners" else 0
            tail = f"  ETA {eta:,.0f} s" if eta else ""
            sys.stdout.write(
                f"\r  {phase:<9}[{'#' * filled}{'.' * (width - filled)}] {done:>10,}/{total:,}"
                f"  {elapsed:6.0f} s{tail}   "
            )
            sys.stdout.flush()
            if done >= total:
                sys.stdout.write("\n")

        if show:
            self.stdout.write(
                f"Generating {spec.learners:,} learners, {spec.events:,} events, {spec.orgs:,} organizations "
                f"(seed {spec.seed}) on {connection.vendor}"
            )
        try:
            report = population_generate(spec=spec, progress=progress)
        except PopulationError as exc:
            raise CommandError(str(exc)) from exc
        if show:
            self._summary(report, time.perf_counter() - started)

    def _summary(self, report: LoadReport, seconds: float) -> None:
        out = self.stdout
        rows = sum(report.rows.values())
        out.write(
            self.style.SUCCESS(f"Population loaded: {rows:,} rows in {seconds:,.1f} s ({rows / seconds:,.0f} rows/s)")
        )
        for table, count in report.rows.items():
            out.write(f"  {table:<14}{count:>14,}")
        out.write("  time: " + ", ".join(f"{phase} {s:,.1f} s" for phase, s in report.seconds.items()))
        out.write(
            f"People counted toward the national target, whole database: {report.counted_nationally:,} "
            "(by fiscal year of their first completion)"
        )
        peak = max(report.completions_by_fiscal_year.values(), default=0)
        for year, people in report.completions_by_fiscal_year.items():
            bar = "█" * int(40 * people / peak) if peak else ""
            out.write(f"  FY{year}  {bar:<40} {people:>12,}")
