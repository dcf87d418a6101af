"""Reads of the standard.  The standard is public: no viewer scoping is needed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from skills.models import (
    ImportanceGrade,
    LiteracyItem,
    LiteracySection,
    PersonaType,
    ProficiencyLevel,
    Role,
    RoleSkillRequirement,
    SkillCategory,
    SkillItem,
    SkillSubcategory,
    StandardVersion,
)


class StandardNotLoaded(Exception):
    """No version with that code (or no current version) exists."""


def standard_version_get(*, code: str | None = None) -> StandardVersion:
    """The version with `code`, or the current one; raises StandardNotLoaded."""
    queryset = StandardVersion.objects.all()
    version = queryset.filter(code=code).first() if code else queryset.filter(is_current=True).first()
    if version is None:
        what = f"standard version {code!r}" if code else "a current standard version"
        raise StandardNotLoaded(f"There is no {what}; run `python manage.py load_dss`.")
    return version


def standard_version_list() -> QuerySet[StandardVersion]:
    return StandardVersion.objects.all()


def grade_targets(*, version: StandardVersion) -> dict[str, int]:
    """Grade code -> target proficiency for a version."""
    return dict(ImportanceGrade.objects.filter(version=version).values_list("code", "target_proficiency"))


def importance_grade_list(*, version: StandardVersion) -> QuerySet[ImportanceGrade]:
    return ImportanceGrade.objects.filter(version=version)


def proficiency_level_list(*, version: StandardVersion) -> QuerySet[ProficiencyLevel]:
    return ProficiencyLevel.objects.filter(version=version)


def persona_type_list(*, version: StandardVersion) -> QuerySet[PersonaType]:
    return PersonaType.objects.filter(version=version).prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("position"))
    )


def _requirements_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "requirements",
        queryset=RoleSkillRequirement.objects.select_related("skill_item__subcategory__category").order_by(
            "skill_item__position"
        ),
    )


def role_list(*, version: StandardVersion, with_requirements: bool = True) -> QuerySet[Role]:
    queryset = Role.objects.filter(version=version).select_related("persona_type")
    if with_requirements:
        queryset = queryset.prefetch_related(_requirements_prefetch())
    return queryset.annotate(estimated_count=Count("requirements", filter=Q(requirements__is_estimated=True)))


def skill_category_tree(*, version: StandardVersion) -> QuerySet[SkillCategory]:
    """Categories with their subcategories and items prefetched, in the standard's order."""
    return SkillCategory.objects.filter(version=version).prefetch_related(
        Prefetch(
            "subcategories",
            queryset=SkillSubcategory.objects.order_by("position").prefetch_related(
                Prefetch("items", queryset=SkillItem.objects.order_by("position"))
            ),
        )
    )


def skill_item_list(*, version: StandardVersion) -> QuerySet[SkillItem]:
    return SkillItem.objects.filter(version=version).select_related("subcategory__category")


def skill_item_with_roles(*, version: StandardVersion) -> QuerySet[SkillItem]:
    """Items with every role's requirement for them (for an item's detail)."""
    return skill_item_list(version=version).prefetch_related(
        Prefetch(
            "requirements",
            queryset=RoleSkillRequirement.objects.select_related("role__persona_type").order_by("role__position"),
        )
    )


def literacy_section_tree(*, version: StandardVersion) -> QuerySet[LiteracySection]:
    return LiteracySection.objects.filter(version=version).prefetch_related(
        Prefetch("items", queryset=LiteracyItem.objects.order_by("position"))
    )


def literacy_item_list(*, version: StandardVersion) -> QuerySet[LiteracyItem]:
    return LiteracyItem.objects.filter(version=version).select_related("section")


def role_profile(*, role: Role) -> list[dict[str, Any]]:
    """A role's requirements grouped by category then subcategory, for pages and charts."""
    targets = grade_targets(version=role.version)
    grouped: dict[int, dict[str, Any]] = {}
    subgroups: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for req in role.requirements.all():
        item = req.skill_item
        sub = item.subcategory
        cat = sub.category
        category = grouped.setdefault(cat.pk, {"category": cat, "subcategories": []})
        subgroup = subgroups[cat.pk].get(sub.pk)
        if subgroup is None:
            subgroup = {"subcategory": sub, "requirements": []}
            subgroups[cat.pk][sub.pk] = subgroup
            category["subcategories"].append(subgroup)
        subgroup["requirements"].append(
            {"requirement": req, "item": item, "target": targets.get(req.grade, 0), "grade": req.grade}
        )
    return [grouped[k] for k in sorted(grouped, key=lambda pk: grouped[pk]["category"].position)]


def standard_verify(*, version_id: int) -> dict[str, Any]:
    """Check a stored version's integrity: counts, and a grade for every role x item.

    Read-only, so safe to run any number of times (it backs a Celery task).
    """
    version = StandardVersion.objects.get(pk=version_id)
    counts = {
        "persona_types": PersonaType.objects.filter(version=version).count(),
        "roles": Role.objects.filter(version=version).count(),
        "skill_categories": SkillCategory.objects.filter(version=version).count(),
        "skill_subcategories": SkillSubcategory.objects.filter(version=version).count(),
        "skill_items": SkillItem.objects.filter(version=version).count(),
        "literacy_sections": LiteracySection.objects.filter(version=version).count(),
        "literacy_items": LiteracyItem.objects.filter(version=version).count(),
        "role_skill_requirements": RoleSkillRequirement.objects.filter(role__version=version).count(),
    }
    estimated = RoleSkillRequirement.objects.filter(role__version=version, is_estimated=True).count()
    incomplete_roles = list(
        Role.objects.filter(version=version)
        .annotate(n=Count("requirements"))
        .exclude(n=counts["skill_items"])
        .values_list("code", flat=True)
    )
    return {
        "version": version.code,
        "counts": counts,
        "estimated_requirements": estimated,
        "official_requirements": counts["role_skill_requirements"] - estimated,
        "incomplete_roles": incomplete_roles,
        "ok": not incomplete_roles and counts["role_skill_requirements"] == counts["roles"] * counts["skill_items"],
    }
