"""The DX認定 dimension: counted under the employer's certification on the completion day, suppressed like
every cell, reconcilable, and shown on the dashboard."""

from datetime import date

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from learners.exam_services import organization_dx_update
from learners.models import LearnerProfile, Membership
from national.models import NationalCell, NationalCount
from national.selectors import national_breakdown
from national.services import national_cells_expected, national_cells_rebuild, national_cells_stored, national_reconcile
from national.suppression import PRIMARY
from national.tests.factories import completion, course, ingest, jst, learner, member, ministry_analyst, staff

pytestmark = pytest.mark.django_db


def _certify(person: LearnerProfile, on: date, until: date) -> None:
    organization = Membership.objects.get(user=person.user).organization
    organization_dx_update(organization=organization, certified_on=on, certified_until=until, selection_year=None)


def dx_cell(status: str) -> int:
    row = NationalCell.objects.filter(grouping=32, dx_status=status).first()
    return row.people if row else 0


def test_people_count_under_their_employers_certification_on_the_completion_day(standard):
    lms = staff()
    certified, before_certification, other = member(), member(), member()
    freelancer = learner()
    _certify(certified, date(2023, 5, 1), date(2025, 4, 30))
    _certify(before_certification, date(2023, 5, 1), date(2025, 4, 30))
    c = course()
    ingest(
        lms,
        completion(certified, c, jst(2024, 5, 1)),
        completion(before_certification, c, jst(2023, 4, 30)),  # the day before its DX認定
        completion(other, c, jst(2024, 5, 1)),
        completion(freelancer, c, jst(2024, 5, 1)),
    )
    status = dict(NationalCount.objects.values_list("learner_id", "dx_status"))
    assert status == {
        certified.pk: "certified",
        before_certification.pk: "not_certified",
        other.pk: "not_certified",
        freelancer.pk: "",
    }
    assert (dx_cell("certified"), dx_cell("not_certified"), dx_cell("")) == (1, 2, 1)
    total = NationalCell.objects.get(grouping=0).people
    assert sum(dx_cell(s) for s in ("certified", "not_certified", "")) == total == 4
    assert national_cells_stored() == national_cells_expected()
    assert national_reconcile().ok


def test_a_later_certification_does_not_move_counted_people(standard):
    person = member()
    ingest(staff(), completion(person, course(), jst(2024, 5, 1)))
    _certify(person, date(2024, 6, 1), date(2026, 5, 31))  # recorded after the counting completion
    assert NationalCount.objects.get().dx_status == "not_certified"
    assert national_reconcile().ok


def _counted(status: str, n: int) -> None:
    from django.contrib.auth.models import User

    users = User.objects.bulk_create([User(username=f"dx-{status or 'none'}-{i}") for i in range(n)])
    profiles = LearnerProfile.objects.bulk_create([LearnerProfile(user=u) for u in users])
    NationalCount.objects.bulk_create(
        [
            NationalCount(
                learner=p,
                enrollment_id=0,
                course_id=0,
                completed_at=jst(2024, 6, 1),
                fiscal_year=2024,
                prefecture="13",
                industry="E",
                persona_type="DS",
                org_size="1001+",
                dx_status=status,
                counted_at=timezone.now(),
            )
            for p in profiles
        ]
    )


def test_breakdown_by_dx_status_suppresses_small_cells(standard):
    _counted("certified", 25)
    _counted("not_certified", 3)
    _counted("", 40)
    national_cells_rebuild()
    table = national_breakdown(viewer=ministry_analyst(), dimensions=["dx_status"], today=date(2024, 12, 1))
    cells = {c.values[0]: c for c in table.cells}
    assert list(cells) == ["certified", "not_certified", ""]
    assert cells["not_certified"].status == PRIMARY and cells["not_certified"].people is None
    assert cells["not_certified"].display == "<10"
    # The published total (68) minus the other published cells must not give the small cell away.
    assert table.total.people == 68
    assert sum(c.suppressed for c in cells.values()) >= 2
    shown = [c.people for c in cells.values() if not c.suppressed]
    assert all(p in (25, 40) for p in shown)


def test_breakdown_api_and_dashboard_show_the_dimension(standard, client):
    _counted("certified", 12)
    _counted("not_certified", 15)
    national_cells_rebuild()
    analyst = ministry_analyst()
    api = APIClient()
    api.force_authenticate(analyst)
    body = api.get("/api/v1/national/breakdown", {"by": "dx_status,fiscal_year", "lang": "en"}).json()
    labels = {c["dx_status"]: c["dx_status_label"] for c in body["cells"]}
    assert labels["certified"] == "DX-certified employer"
    assert labels["not_certified"] == "employer not DX-certified"
    shown = {(c["dx_status"], c["fiscal_year"]): c["people"] for c in body["cells"] if not c["suppressed"]}
    assert set(shown.values()) <= {0, 12, 15}  # nothing but true counts; small cells hidden
    assert body["total"]["people"] == 27
    client.force_login(analyst)
    page = client.get("/national/?lang=en").content.decode()
    assert "DX-certified (DX認定) and other employers" in page
    assert "DX-certified employer" in page


def test_an_exam_pass_alone_never_counts_toward_the_target(standard):
    """docs/national-progress.md: an exam pass is evidence of skill, not training delivered; it counts nobody."""
    import io

    from django.core.management import call_command

    from learners.exam_services import exam_pass_add, org_exam_results_import

    call_command("load_exam_map", stdout=io.StringIO())
    person, colleague = member(), member()
    exam_pass_add(learner=person, exam_code="FE", passed_on=date(2024, 10, 1))
    organization = Membership.objects.get(user=colleague.user).organization
    org_exam_results_import(
        organization=organization, data=f"member,exam,date\n{colleague.public_id},AP,2024-04-21\n".encode()
    )
    assert not NationalCount.objects.exists() and not NationalCell.objects.filter(people__gt=0).exists()
    ingest(staff(), completion(person, course(), jst(2024, 11, 1)))  # a completed course counts them, once
    assert list(NationalCount.objects.values_list("learner_id", flat=True)) == [person.pk]
    assert NationalCell.objects.get(grouping=0).people == 1
    assert national_reconcile().ok
