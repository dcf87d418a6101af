"""The development-set evaluation, with the real bundled model: the targets that hold today."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.services import catalog_import, providers_load

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_evaluate_recommender_on_the_development_set(standard, settings):
    settings.RECOMMENDER_DENSE = True
    from recommender.engine import dense_encoder

    dense_encoder.cache_clear()
    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
    out = StringIO()
    call_command("evaluate_recommender", "--json", stdout=out, stderr=StringIO())
    rows = {r["method"]: r for r in json.loads(out.getvalue())}
    hybrid = rows["hybrid"]
    assert hybrid["top1"] >= 0.8
    assert hybrid["must_cover"] >= 0.9
    assert all(r["violations"] == 0 for r in rows.values())
    for name in ("keyword baseline", "sparse only", "dense only"):
        assert hybrid["top1"] > rows[name]["top1"], name
        assert hybrid["recall_at_3"] > rows[name]["recall_at_3"], name
