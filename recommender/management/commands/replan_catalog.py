import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recommender.models import ReplanRun, ReplanRunStatus
from recommender.selectors import ReplanProgress, replan_run_latest, replan_run_progress
from recommender.services import replan_run_resume, replan_run_start


class Command(BaseCommand):
    help = (
        "Re-plan, in chunks on the Celery workers, every learner whose stored plan is older than the catalog "
        "(docs/replanning.md). Starts a run for the current catalog version, or with --resume sends again the "
        "chunks of the unfinished run that are not done."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=None, help="learners per chunk (default: setting)")
        parser.add_argument("--resume", action="store_true", help="send again the unfinished run's pending chunks")
        parser.add_argument("--wait", action="store_true", help="show progress until the run ends")
        parser.add_argument("--status", action="store_true", help="show the latest run and change nothing")
        parser.add_argument("--timeout", type=float, default=0, help="with --wait: give up after this many seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] is not None and options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1")
        if options["status"]:
            run = replan_run_latest()
            if run is None:
                self.stdout.write("No re-planning run yet.")
                return
            self.stdout.write(self._line(replan_run_progress(run=run)))
            return
        began = timezone.now()
        if options["resume"]:
            resumed = replan_run_resume(chunk_size=options["chunk_size"])
            if resumed is None:
                self.stdout.write("No unfinished re-planning run to resume.")
                return
            run = resumed
            verb = "resumed" if run.created_at < began else "started (the catalog changed since the unfinished run)"
        else:
            run = replan_run_start(chunk_size=options["chunk_size"])
            verb = "started" if run.created_at >= began else "already running (--resume sends its pending chunks)"
        self.stdout.write(
            f"Run {run.pk} for catalog v{run.catalog_version} {verb}: "
            f"{run.learners:,} learners with an older plan in {run.chunks:,} chunks of {run.chunk_size}."
        )
        if options["wait"]:
            self._wait(run, options["timeout"])
        else:
            self.stdout.write("Follow it with: manage.py replan_catalog --status")

    def _wait(self, run: ReplanRun, timeout: float) -> None:
        start, planned_at_start = time.monotonic(), replan_run_progress(run=run).planned
        shown = -1.0
        while True:
            progress = replan_run_progress(run=run)
            elapsed = time.monotonic() - start
            if progress.run.status != ReplanRunStatus.RUNNING or elapsed - shown >= 2:
                rate = (progress.planned - planned_at_start) / elapsed if elapsed > 0 else 0.0
                self.stdout.write(
                    f"  chunks {progress.chunks_done:,}/{run.chunks:,}, learners {progress.learners_done:,}/"
                    f"{run.learners:,}, {rate:,.0f} learners/s"
                )
                shown = elapsed
            if progress.run.status != ReplanRunStatus.RUNNING:
                break
            if timeout and elapsed > timeout:
                raise CommandError(f"run {run.pk} still running after {timeout:g} s: {self._line(progress)}")
            time.sleep(0.5)
        self.stdout.write(self._line(progress))

    @staticmethod
    def _line(progress: ReplanProgress) -> str:
        run = progress.run
        return (
            f"Run {run.pk} for catalog v{run.catalog_version}: {run.status}; chunks {progress.chunks_done:,}/"
            f"{run.chunks:,}; {progress.planned:,} of {run.learners:,} learners re-planned "
            f"({run.learners - progress.learners_done if run.status == ReplanRunStatus.RUNNING else 0:,} to go); "
            f"{progress.seconds:,.1f} s, {progress.per_second:,.0f} learners/s"
        )
