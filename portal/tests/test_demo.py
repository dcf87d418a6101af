import json
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
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
from national.selectors import national_breakdown, national_progress
from national.services import national_reconcile
from portal.demo import BEGINNERS, NATIONAL_PEOPLE, ORGANIZATIONS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db
DEMO_ORGANIZATIONS = [o[0] for o in ORGANIZATIONS]


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
    assert LearnerProfile.objects.count() == 60 + len(BEGINNERS) + NATIONAL_PEOPLE
    beginners = LearnerProfile.objects.filter(user__username__in=[b[0] for b in BEGINNERS]).select_related(
        "target_role__persona_type"
    )
    assert {b.target_role.persona_type.code for b in beginners if b.target_role} == {"BA", "DES", "DS", "SE", "CS"}
    assert all(b.prefecture and not b.assessments.exists() for b in beginners)
    assert Enrollment.objects.filter(status="completed").exists()
    assert SkillAssessment.objects.filter(source="course").exists()
    dashboards = [team_dashboard(organization=o) for o in Organization.objects.filter(name__in=DEMO_ORGANIZATIONS)]
    assert len(dashboards) == 3
    assert all(d["members"] == 20 for d in dashboards)
    assert all(len(d["heatmap"]) >= 2 for d in dashboards)
    assert any(t["overdue"] for d in dashboards for t in d["tracks"])


def test_the_demo_world_gives_the_ministry_dashboard_something_to_show(standard):
    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
    call_command("seed_demo", "--force")
    ministry = User.objects.get(username="ministry")
    progress = national_progress(viewer=ministry, today=date(2026, 11, 30))
    measured = {y.fiscal_year: y.measured.people or 0 for y in progress.years if y.measured}
    assert all(measured[year] >= 30 for year in range(2022, 2027)), measured
    assert progress.forecast is not None
    prefectures = national_breakdown(viewer=ministry, dimensions=["prefecture"], today=date(2026, 11, 30))
    shown = [c for c in prefectures.cells if not c.suppressed]
    assert len(shown) >= 8 and any(c.suppressed for c in prefectures.cells)
    assert national_reconcile().ok
