"""Database constraints hold whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction

from skills.models import RoleSkillRequirement, StandardVersion
from skills.tests.factories import (
    ImportanceGradeFactory,
    RoleFactory,
    RoleSkillRequirementFactory,
    SkillItemFactory,
    StandardVersionFactory,
)

pytestmark = pytest.mark.django_db


def test_codes_are_unique_per_version_but_not_across_versions():
    role = RoleFactory.create(code="R1")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleFactory.create(code="R1", persona_type=role.persona_type)
    other = RoleFactory.create(code="R1")  # another version
    assert other.version_id != role.version_id


def test_one_requirement_per_role_and_item():
    req = RoleSkillRequirementFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleSkillRequirement.objects.create(role=req.role, skill_item=req.skill_item, grade="c")


@pytest.mark.parametrize("grade", ["e", "A", "", "1"])
def test_grade_is_limited_to_the_allowed_values(grade):
    role, item = RoleFactory.create(), SkillItemFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleSkillRequirement.objects.create(role=role, skill_item=item, grade=grade)


def test_allowed_grades_are_accepted():
    role = RoleFactory.create()
    for grade in "abcdz":
        RoleSkillRequirement.objects.create(role=role, skill_item=SkillItemFactory.create(), grade=grade)
    assert role.requirements.count() == 5


def test_target_proficiency_range_is_enforced():
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportanceGradeFactory.create(target_proficiency=5)


def test_only_one_current_version():
    StandardVersionFactory.create(is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardVersionFactory.create(is_current=True)
    StandardVersionFactory.create(is_current=False)
    assert StandardVersion.objects.filter(is_current=True).count() == 1
