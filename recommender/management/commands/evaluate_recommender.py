import json
from itertools import product
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.core.plan import Constraints, CourseOption, PlanBuilder
from recommender.core.tagging import CourseText, HybridTagger, SkillGuess, Weights, estimate_level, fuse
from recommender.engine import course_options, dense_encoder, fusion_weights
from recommender.evaluation import tagging_cv
from recommender.evaluation.metrics import label_agreement, must_cover_share, tagging_scores, violations
from recommender.inputs import skill_docs, tagged_examples
from recommender.planning import gaps_for
from skills.selectors import StandardNotLoaded, standard_version_get

DATA = Path(__file__).resolve().parents[2] / "evaluation"
LABEL_SETS = ("original", "second", "adjudicated")
METHODS = {
    "keyword baseline": Weights(0, 0, 1),
    "sparse only": Weights(0, 1, 0),
    "dense only": Weights(1, 0, 0),
}


class Command(BaseCommand):
    help = (
        "Evaluate skill tagging (top-1, precision@3, recall@3) on recommender/evaluation/courses_dev.json and "
        "plans (must-cover coverage, constraint violations) on learner_cases.json, for each method."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tune", action="store_true", help="also search the hybrid weights on the development set")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument(
            "--plans", action="store_true", help="the plan suite on plan_cases.json instead (docs/recommender.md)"
        )
        parser.add_argument(
            "--labels",
            choices=LABEL_SETS,
            default="adjudicated",
            help="which labels to score tagging against: the blind adjudication of both annotations (default, the "
            "reference), the first annotator's (courses_dev.json) or the blind second annotator's "
            "(recommender/evaluation/annotations.json; docs/recommender.md)",
        )
        tagging_cv.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = standard_version_get()
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        if options["plans"]:
            return self._plans(version, as_json=options["json"])
        dev = json.loads((DATA / "courses_dev.json").read_text(encoding="utf-8"))
        cases = json.loads((DATA / "learner_cases.json").read_text(encoding="utf-8"))
        texts = [
            CourseText(d["title"], d["description"], d.get("title_en", ""), d.get("description_en", ""), d.get("level"))
            for d in dev
        ]
        labels = self._labels(dev, options["labels"])
        docs = skill_docs(version=version)
        encoder = dense_encoder()
        base = HybridTagger(dense=encoder, weights=Weights(1, 1, 1)).fit(
            docs, examples=tagged_examples(version=version)
        )
        components = base.components(texts)
        catalog = course_options(version=version)
        if not catalog:
            raise CommandError("The catalog is empty: import fixtures/sample_catalog.json first.")
        untagged = [c for c in catalog if not c.skills]
        untagged_texts = [CourseText(c.title, "", level=c.level) for c in untagged]
        untagged_parts = base.components(untagged_texts)
        self.stderr.write(
            f"{len(texts)} course texts, {len(cases)} learner cases, {len(untagged)} untagged catalog courses"
        )

        def scored(parts: dict[str, Any], w: Weights) -> Any:
            return fuse(parts, w)

        def predictions(parts: dict[str, Any], w: Weights, items: list[CourseText]) -> list[list[Any]]:
            matrix = scored(parts, w)
            out = []
            for i, text in enumerate(items):
                order = sorted(range(len(base.codes_)), key=lambda j: (-matrix[i, j], j))[:3]
                out.append([SkillGuess(base.codes_[j], float(matrix[i, j]), estimate_level(text)) for j in order])
            return out

        if options["tune"]:
            best = None
            grid = [x / 20 for x in range(21)]
            for d, s in product(grid, grid):
                k = round(1 - d - s, 2)
                if k < 0:
                    continue
                w = Weights(d, s, k)
                sc = tagging_scores(predictions(components, w, texts), labels)
                key = (sc.top1 + sc.recall3, sc.top1)
                if best is None or key > best[0]:
                    best = (key, w, sc)
            assert best is not None
            self.stderr.write(f"best weights on the development set: {best[1]} -> {best[2]}")

        rows = []
        for name, weights in {**METHODS, "hybrid": fusion_weights()}.items():
            sc = tagging_scores(predictions(components, weights, texts), labels)
            guesses = predictions(untagged_parts, weights, untagged_texts)
            inferred = {c.id: {g.code: g.level for g in guess[:2]} for c, guess in zip(untagged, guesses, strict=True)}
            options_for_method = [
                c if c.skills else CourseOption(**{**c.__dict__, "skills": inferred[c.id]}) for c in catalog
            ]
            shares, broken = [], 0
            for case in cases:
                role = version.roles.get(code=case["role"])
                limits = Constraints.from_profile(case["constraints"], weeks=case["constraints"]["weeks"])
                gaps = gaps_for(role=role, current=case["levels"], literacy_evidence=case["literacy_evidence"])
                plan = PlanBuilder().build(gaps=gaps, courses=options_for_method, limits=limits)
                shares.append(must_cover_share(plan, case["must_cover"]))
                broken += len(violations(plan, limits))
            rows.append(
                {
                    "method": name,
                    "top1": sc.top1,
                    "precision_at_3": sc.precision3,
                    "recall_at_3": sc.recall3,
                    "must_cover": round(sum(shares) / len(shares), 3),
                    "violations": broken,
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            tagging_cv.run(self, version, {**options, "write": self.stderr.write})
            return
        self.stdout.write("| method | top-1 | precision@3 | recall@3 | must-cover coverage | constraint violations |")
        self.stdout.write("|---|---|---|---|---|---|")
        for r in rows:
            self.stdout.write(
                f"| {r['method']} | {r['top1']:.3f} | {r['precision_at_3']:.3f} | {r['recall_at_3']:.3f} "
                f"| {r['must_cover']:.3f} | {r['violations']} |"
            )
        tagging_cv.run(self, version, options)

    def _plans(self, version: Any, *, as_json: bool) -> None:
        from recommender.evaluation.plan_suite import table
        from recommender.planning import plan_suite_run

        results, summary = plan_suite_run(version=version)
        if as_json:
            self.stdout.write(json.dumps({"summary": summary, "cases": [r.__dict__ for r in results]}, indent=2))
            return
        self.stdout.write("\n".join(table(summary)))

    def _labels(self, dev: list[dict[str, Any]], which: str) -> list[list[str]]:
        """The labels to score against; reports how the annotations agree with the original labels."""
        original = [d["skills"] for d in dev]
        annotations = json.loads((DATA / "annotations.json").read_text(encoding="utf-8"))
        by_id = {c["id"]: c for c in annotations["courses"]}
        missing = [d["id"] for d in dev if d["id"] not in by_id]
        if missing:
            raise CommandError(f"annotations.json: no annotation for {', '.join(missing[:5])}")
        for name in ("second", "adjudicated"):
            agreement = label_agreement(original, [by_id[d["id"]][name] for d in dev])
            self.stderr.write(
                f"{name} vs original labels: main label {agreement.main:.3f}, same set {agreement.exact:.3f}, "
                f"original's other labels confirmed {agreement.others_confirmed:.3f} (n={agreement.n})"
            )
        if which == "original":
            return original
        return [by_id[d["id"]][which] for d in dev]
