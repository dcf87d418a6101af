"""Factories for small hand-made standards (the real one comes from the `standard` fixture)."""

import factory

from skills.models import (
    ImportanceGrade,
    PersonaType,
    Role,
    RoleSkillRequirement,
    SkillCategory,
    SkillItem,
    SkillSubcategory,
    StandardVersion,
)


class StandardVersionFactory(factory.django.DjangoModelFactory[StandardVersion]):
    class Meta:
        model = StandardVersion

    code = factory.Sequence(lambda n: f"test-{n}")
    name_ja = factory.LazyAttribute(lambda o: f"テスト標準 {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Test standard {o.code}")


class ImportanceGradeFactory(factory.django.DjangoModelFactory[ImportanceGrade]):
    class Meta:
        model = ImportanceGrade

    version = factory.SubFactory(StandardVersionFactory)
    code = "a"
    label_ja = "高い"
    label_en = "high"
    target_proficiency = 4


class PersonaTypeFactory(factory.django.DjangoModelFactory[PersonaType]):
    class Meta:
        model = PersonaType

    version = factory.SubFactory(StandardVersionFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    name_ja = factory.Sequence(lambda n: f"類型{n}")
    name_en = factory.Sequence(lambda n: f"Persona {n}")


class RoleFactory(factory.django.DjangoModelFactory[Role]):
    class Meta:
        model = Role

    persona_type = factory.SubFactory(PersonaTypeFactory)
    version = factory.SelfAttribute("persona_type.version")
    code = factory.Sequence(lambda n: f"R{n}")
    name_ja = factory.Sequence(lambda n: f"ロール{n}")
    name_en = factory.Sequence(lambda n: f"Role {n}")


class SkillCategoryFactory(factory.django.DjangoModelFactory[SkillCategory]):
    class Meta:
        model = SkillCategory

    version = factory.SubFactory(StandardVersionFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    name_ja = factory.Sequence(lambda n: f"カテゴリー{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class SkillSubcategoryFactory(factory.django.DjangoModelFactory[SkillSubcategory]):
    class Meta:
        model = SkillSubcategory

    category = factory.SubFactory(SkillCategoryFactory)
    version = factory.SelfAttribute("category.version")
    code = factory.Sequence(lambda n: f"S{n}")
    name_ja = factory.Sequence(lambda n: f"サブカテゴリー{n}")
    name_en = factory.Sequence(lambda n: f"Subcategory {n}")


class SkillItemFactory(factory.django.DjangoModelFactory[SkillItem]):
    class Meta:
        model = SkillItem

    subcategory = factory.SubFactory(SkillSubcategoryFactory)
    version = factory.SelfAttribute("subcategory.version")
    code = factory.Sequence(lambda n: f"I{n:02d}")
    name_ja = factory.Sequence(lambda n: f"スキル{n}")
    name_en = factory.Sequence(lambda n: f"Skill {n}")


class RoleSkillRequirementFactory(factory.django.DjangoModelFactory[RoleSkillRequirement]):
    class Meta:
        model = RoleSkillRequirement

    role = factory.SubFactory(RoleFactory)
    skill_item = factory.SubFactory(SkillItemFactory, version=factory.SelfAttribute("..role.version"))
    grade = "b"
