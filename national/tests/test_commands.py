"""reconcile_national and rebuild_national."""

import pytest
from django.core.management import CommandError, call_command

from national.models import NationalCell, NationalCount
from national.tests.factories import completion, course, ingest, jst, learner, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(standard):
    lms, on = staff(), course()
    ingest(lms, *[completion(learner(), on, jst(2023 + n % 3, 6, 1)) for n in range(5)])


def test_reconcile_reports_no_difference_and_exits_zero(world, capsys):
    call_command("reconcile_national")
    out = capsys.readouterr().out
    assert "5 counted people" in out and "0 person differences, 0 cell differences" in out
    assert "matches the raw records" in out


def test_reconcile_exits_non_zero_on_a_difference_and_repair_fixes_it(world, capsys):
    NationalCount.objects.order_by("pk")[0].delete()  # a person dropped behind the rollup's back
    NationalCell.objects.filter(grouping=0).update(people=99)
    with pytest.raises(CommandError):
        call_command("reconcile_national")
    out = capsys.readouterr().out
    assert ": missing" in out and "stored 99" in out
    call_command("reconcile_national", "--repair")
    out = capsys.readouterr().out
    assert "repaired: 1 counted" in out and "[after repair]" in out and "matches the raw records" in out
    call_command("reconcile_national")


def test_rebuild_recounts_everyone(world, capsys):
    before = sorted(NationalCell.objects.values_list("grouping", "fiscal_year", "people"))
    NationalCount.objects.all().delete()
    NationalCell.objects.all().delete()
    call_command("rebuild_national", verbosity=2)
    assert "5 / 5 people" in capsys.readouterr().out
    assert sorted(NationalCell.objects.values_list("grouping", "fiscal_year", "people")) == before
    call_command("reconcile_national")
