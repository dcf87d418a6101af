"""The demo world shows measured course effectiveness (docs/effectiveness.md): two of the demo provider's
courses have enough completers with later assessments, one measured below its claim; a reseed changes nothing."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.models import CourseItemEffect, Provider
from courses.services import catalog_import, providers_load
from learners.models import SkillAssessment
from portal.demo import PROVIDER_NAME
from portal.effect_demo import EFFECT_NOTE

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_the_demo_world_has_measured_courses_on_the_page_and_the_provider_list(standard, client, settings):
    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
    call_command("seed_demo", "--force")
    shown = list(CourseItemEffect.objects.filter(learners__gte=settings.EFFECT_MIN_LEARNERS).order_by("course_id"))
    assert len({e.course_id for e in shown}) == 2
    provider = Provider.objects.get(name_ja=PROVIDER_NAME)
    assert all(e.course.provider_id == provider.pk for e in shown)
    weak = [e for e in shown if e.gain_over_claim < -0.25]
    assert weak and len(weak) < len(shown)  # one course under-delivers, the other keeps its word
    rows = SkillAssessment.objects.filter(note=EFFECT_NOTE).count()
    effects = list(CourseItemEffect.objects.values_list("course_id", "skill_item_id", "learners", "shrunk_level"))
    call_command("seed_demo", "--force")
    assert SkillAssessment.objects.filter(note=EFFECT_NOTE).count() == rows
    assert (
        list(CourseItemEffect.objects.values_list("course_id", "skill_item_id", "learners", "shrunk_level")) == effects
    )
    html = client.get(f"/courses/{shown[0].course_id}/", {"lang": "en"}).content.decode()
    assert f"on {shown[0].skill_item.code} on average, n={shown[0].learners}" in html
    html = client.get("/courses/", {"provider": provider.pk, "lang": "ja"}).content.decode()
    assert "この提供者の講座の実測効果" in html
