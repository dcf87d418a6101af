"""The development-set evaluation, with the real bundled model."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.services import catalog_import, providers_load

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _evaluate(*args: str) -> tuple[dict[str, dict], str]:
    from recommender.engine import dense_encoder

    dense_encoder.cache_clear()
    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
    out, err = StringIO(), StringIO()
    call_command("evaluate_recommender", "--json", *args, stdout=out, stderr=err)
    return {r["method"]: r for r in json.loads(out.getvalue())}, err.getvalue()


def test_evaluate_recommender_on_the_development_set(standard, settings):
    """The reference labels (the blind adjudication in annotations.json): every target of the issue holds."""
    settings.RECOMMENDER_DENSE = True
    rows, err = _evaluate()
    assert "adjudicated vs original labels: main label 1.000" in err
    hybrid = rows["hybrid"]
    assert hybrid["top1"] >= 0.8 and hybrid["recall_at_3"] >= 0.85
    # Plan targets (must-cover and the rest) are asserted on the frozen blind plan cases: test_plan_suite.py.
    assert all(r["violations"] == 0 for r in rows.values())
    for name in ("keyword baseline", "sparse only", "dense only"):
        assert hybrid["top1"] > rows[name]["top1"], name
        assert hybrid["recall_at_3"] > rows[name]["recall_at_3"], name


def test_evaluate_against_the_first_annotators_labels(standard, settings):
    """The first annotator's looser second labels: top-1 holds and the hybrid still beats each single method;
    recall@3 is 0.770 there (docs/recommender.md), kept from falling."""
    settings.RECOMMENDER_DENSE = True
    rows, _ = _evaluate("--labels", "original")
    hybrid = rows["hybrid"]
    assert hybrid["top1"] >= 0.8 and hybrid["recall_at_3"] >= 0.75
    for name in ("keyword baseline", "sparse only", "dense only"):
        assert hybrid["top1"] > rows[name]["top1"], name
        assert hybrid["recall_at_3"] > rows[name]["recall_at_3"], name


def test_the_annotations_cover_every_text_with_valid_codes(dss_data):
    dev = json.loads((ROOT / "recommender" / "evaluation" / "courses_dev.json").read_text("utf-8"))
    annotations = json.loads((ROOT / "recommender" / "evaluation" / "annotations.json").read_text("utf-8"))
    codes = {item["code"] for item in dss_data["skill_items"]}
    assert [c["id"] for c in annotations["courses"]] == [d["id"] for d in dev]
    for course in annotations["courses"]:
        for name in ("second", "adjudicated"):
            assert set(course[name]) <= codes and len(course[name]) == len(set(course[name])), course["id"]


def test_label_agreement():
    from recommender.evaluation.metrics import label_agreement

    a = [["BT01", "PS02"], ["DU04"], ["TE08", "SC05"], []]
    b = [["BT01"], ["DU05"], ["TE08", "SC05"], ["BT02"]]
    agreement = label_agreement(a, b)
    assert (agreement.main, agreement.exact, agreement.others_confirmed, agreement.n) == (0.667, 0.333, 0.5, 3)
