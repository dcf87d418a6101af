import json
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.services import catalog_import, providers_load
from learners.models import (
    Enrollment,
    LearnerProfile,
    Membership,
    Organization,
    ProgressEvent,
    SkillAssessment,
    TrackAssignment,
)
from learners.selectors import team_dashboard

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _counts():
    return [
        m.objects.count()
        for m in (LearnerProfile, Membership, SkillAssessment, Enrollment, ProgressEvent, TrackAssignment)
    ]


def test_the_demo_world_is_complete_and_idempotent(standard, capsys):
    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
    call_command("seed_demo", "--force")
    first = _counts()
    out = capsys.readouterr().out
    assert "org1-admin" in out and "ministry" in out and "learner01" in out
    call_command("seed_demo", "--force")
    assert _counts() == first
    assert LearnerProfile.objects.count() == 60
    assert Enrollment.objects.filter(status="completed").exists()
    assert SkillAssessment.objects.filter(source="course").exists()
    dashboards = [team_dashboard(organization=o) for o in Organization.objects.all()]
    assert all(d["members"] == 20 for d in dashboards)
    assert all(len(d["heatmap"]) >= 2 for d in dashboards)
    assert any(t["overdue"] for d in dashboards for t in d["tracks"])
