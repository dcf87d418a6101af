"""Builders for catalog test data: records in the exchange format, and model factories."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import factory

from courses.models import Course, Provider

PROVIDER = "株式会社テストアカデミー"


def course_record(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid catalog record (docs/catalog-format.md); override any key."""
    record: dict[str, Any] = {
        "provider": PROVIDER,
        "code": f"T-{n:03d}",
        "title_ja": f"データ分析講座 第{n}回",
        "title_en": f"Data analysis course {n}",
        "description_ja": f"pandasとscikit-learnで回帰分析を学ぶ講座その{n}。",
        "description_en": f"Regression with pandas and scikit-learn, part {n}.",
        "url": f"https://academy.example.jp/courses/{n}",
        "level": 2,
        "hours": 12,
        "price_jpy": 33000,
        "format": "e-learning",
        "language": "ja",
        "prefecture": "",
        "reskill_certified": False,
        "training_benefit_eligible": False,
        "skills": [{"code": "DU04", "level": 2}],
        "literacy": [],
    }
    record.update(overrides)
    return record


def catalog_json(records: list[dict[str, Any]]) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    class Meta:
        model = Provider

    name_ja = factory.Sequence(lambda n: f"株式会社プロバイダー{n}")
    name_en = factory.Sequence(lambda n: f"Provider {n} K.K.")


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    provider = factory.SubFactory(ProviderFactory)
    code = factory.Sequence(lambda n: f"C-{n:04d}")
    title_ja = factory.Sequence(lambda n: f"講座{n}")
    title_en = factory.Sequence(lambda n: f"Course {n}")
    description_ja = "説明"
    level = 2
    hours = Decimal("10.0")
    price_jpy = 10000
    format = "e-learning"
