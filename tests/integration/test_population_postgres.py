"""generate_population's COPY path on a real PostgreSQL server."""

from decimal import Decimal
from io import StringIO
from typing import cast

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def catalog(standard):
    from courses.models import Course, CourseSkill
    from courses.tests.factories import CourseFactory
    from skills.models import SkillItem

    items = list(SkillItem.objects.filter(version=standard).order_by("pk")[:4])
    for n in range(8):
        course = cast(Course, CourseFactory(hours=Decimal("10.0")))
        CourseSkill.objects.create(course=course, skill_item=items[n % 4], level=2)


def test_copy_loads_exact_sizes_and_the_database_goes_on_working(catalog):
    from learners.models import LearnerProfile, ProgressEvent
    from learners.tests.factories import LearnerFactory
    from national.services import national_reconcile

    User.objects.create(username="before")
    out = StringIO()
    call_command("generate_population", learners=900, events=2_000, orgs=12, seed=21, stdout=out)
    assert "write (COPY)" in out.getvalue()
    assert LearnerProfile.objects.count() == 900
    assert ProgressEvent.objects.count() == 2_000
    assert national_reconcile().ok
    # the id sequences were moved past what COPY wrote: new rows get fresh ids
    learner = cast(LearnerProfile, LearnerFactory())
    assert learner.pk > max(LearnerProfile.objects.exclude(pk=learner.pk).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM learners_learnerprofile WHERE public_id IS NULL")
        assert cursor.fetchone()[0] == 0
