import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.input_checks import InputError, bad_text, json_loads
from recommender.core.encoders import EncoderUnavailable
from recommender.core.tagging import CourseText
from recommender.planning import infer
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(BaseCommand):
    help = (
        "Propose DSS skill items for course texts. INPUT is a JSON list of objects with id, title, description "
        "and optional title_en, description_en, level. Prints a JSON list: id, skills [{code, probability, score, "
        "level, evidence}], literacy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="JSON file")
        parser.add_argument(
            "--top",
            type=int,
            default=None,
            help="a ranked list of this many skills per text (1-10); default: the calibrated tags whose probability "
            "reaches RECOMMENDER_TAG_THRESHOLD (at most three, none for a text that teaches no DSS-P item)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["input"])
        if options["top"] is not None and not 1 <= options["top"] <= 10:
            raise CommandError("--top must be from 1 to 10")
        try:
            records = json_loads(path.read_bytes(), check=False)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except InputError as exc:
            raise CommandError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(records, list):
            raise CommandError(f"{path}: must be a JSON list of objects")
        texts, ids = [], []
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise CommandError(f"{path}: item {index}: must be an object")
            bad = bad_text(record)  # NUL or a lone surrogate, in a key or a value (common/input_checks.py)
            if bad:
                raise CommandError(f"{path}: item {index}, field '{bad[0][0]}': {bad[0][1]}")
            for name in ("id", "title", "description"):
                if name not in record:
                    raise CommandError(f"{path}: item {index}, field '{name}': is missing")
            title, description = record["title"], record["description"]
            if (
                not isinstance(title, str)
                or not isinstance(description, str)
                or not (title.strip() or description.strip())
            ):
                raise CommandError(f"{path}: item {index}, field 'description': the text is empty")
            level = record.get("level")
            if level is not None and (not isinstance(level, int) or not 1 <= level <= 4):
                raise CommandError(f"{path}: item {index}, field 'level': must be 1-4")
            ids.append(record["id"])
            texts.append(
                CourseText(
                    title, description, record.get("title_en", "") or "", record.get("description_en", "") or "", level
                )
            )
        try:
            version = standard_version_get()
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        try:
            results = infer(version=version, texts=texts, top_k=options["top"])
        except EncoderUnavailable as exc:
            raise CommandError(str(exc)) from exc
        output = [{"id": i, **r} for i, r in zip(ids, results, strict=True)]
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
