"""The shipped sample catalog meets what the product promises of it."""

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from courses.models import Course
from courses.services import catalog_import, providers_load

ROOT = Path(__file__).resolve().parents[2]
CATALOG = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text(encoding="utf-8"))
PROVIDERS = json.loads((ROOT / "fixtures" / "sample_providers.json").read_text(encoding="utf-8"))
STANDARD = json.loads((ROOT / "fixtures" / "dss_skill_standard.json").read_text(encoding="utf-8"))


def test_size_and_providers():
    assert len(CATALOG) >= 300
    providers = Counter(c["provider"] for c in CATALOG)
    assert len(providers) >= 25
    assert set(providers) <= {p["name_ja"] for p in PROVIDERS}


def test_every_skill_item_is_taught_at_two_or_more_levels():
    levels = defaultdict(set)
    for course in CATALOG:
        for tag in course.get("skills", []):
            levels[tag["code"]].add(tag["level"])
    items = [i["code"] for i in STANDARD["skill_items"]]
    thin = {code: sorted(levels[code]) for code in items if len(levels[code]) < 2}
    assert thin == {}


def test_every_literacy_section_is_covered():
    item_section = {i["code"]: i["section"] for i in STANDARD["literacy_items"]}
    sections = {item_section.get(code, code) for c in CATALOG for code in c.get("literacy", [])}
    assert sections >= {"WHY", "WHAT", "HOW", "MIND"}


def test_spread_of_price_language_tags_and_subsidies():
    n = len(CATALOG)
    assert sum(c["price_jpy"] == 0 for c in CATALOG) >= n / 4
    assert sum(bool(c["title_en"] and c["description_en"]) for c in CATALOG) >= n / 3
    assert all(c["title_ja"] and c["description_ja"] for c in CATALOG)
    untagged = sum(not c.get("skills") for c in CATALOG) / n
    assert 0.10 <= untagged <= 0.20
    flagged = sum(c["reskill_certified"] or c["training_benefit_eligible"] for c in CATALOG) / n
    assert 0.05 <= flagged <= 0.15
    hours = [c["hours"] for c in CATALOG]
    assert min(hours) >= 1
    assert max(hours) <= 200
    assert len(Counter(c["format"] for c in CATALOG)) == 4
    assert set(Counter(c["level"] for c in CATALOG)) == {1, 2, 3, 4}


def test_descriptions_are_not_templated():
    descriptions = [c["description_ja"] for c in CATALOG]
    assert len(set(descriptions)) == len(descriptions)
    assert len({c["title_ja"] for c in CATALOG}) == len(CATALOG)
    # No 30-character run shared by two descriptions.
    seen: dict[str, int] = {}
    shared = set()
    for index, text in enumerate(descriptions):
        for start in range(0, max(1, len(text) - 30), 5):
            chunk = text[start : start + 30]
            if seen.setdefault(chunk, index) != index:
                shared.add(chunk)
    assert len(shared) <= 3, sorted(shared)[:5]


@pytest.mark.django_db
def test_the_sample_catalog_imports_cleanly_and_idempotently(standard):
    providers_load(records=PROVIDERS)
    data = (ROOT / "fixtures" / "sample_catalog.json").read_bytes()
    first = catalog_import(data=data, filename="sample_catalog.json")
    assert first.issues == []
    assert first.run.created == len(CATALOG)
    again = catalog_import(data=data, filename="sample_catalog.json")
    assert (again.run.created, again.run.updated, again.run.unchanged) == (0, 0, len(CATALOG))
    assert Course.objects.filter(needs_skill_inference=True).count() == sum(not c.get("skills") for c in CATALOG)
