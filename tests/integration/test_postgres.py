"""Behaviour that only a real PostgreSQL server can show: concurrency and server-side constraints."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from skills.dss_fixture import parse_fixture
from skills.models import RoleSkillRequirement, SkillItem, StandardVersion
from skills.services import standard_load

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_concurrent_loads_of_one_version_do_not_duplicate(dss_data):
    """Two loaders at once: one creates, the other waits on the row lock and then finds nothing to do."""
    fixture = parse_fixture(dss_data)
    reports, errors = [], []
    barrier = threading.Barrier(2)

    def load():
        try:
            barrier.wait(timeout=10)
            reports.append(standard_load(fixture=fixture))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(reports) == 2
    assert sorted(r.changed for r in reports)[0] == 0  # the second one changed nothing
    assert StandardVersion.objects.count() == 1
    assert SkillItem.objects.count() == 49
    assert RoleSkillRequirement.objects.count() == 735


def test_check_constraint_is_enforced_by_the_server(standard):
    req = RoleSkillRequirement.objects.get(role__code="DS_PRO", skill_item__code="DU04")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE skills_roleskillrequirement SET grade = 'q' WHERE id = %s", [req.pk])
    req.refresh_from_db()
    assert req.grade in "abcdz"


def test_courses_carry_no_unused_trigram_index():
    """Search reads the in-memory word index; a GIN trigram index on the course text only slowed imports."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'courses_course'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert definitions  # the table's other indexes are there
    assert not [d for d in definitions if "gin_trgm_ops" in d]


def test_imports_stream_rows_with_copy_and_japanese_substrings_match(standard):
    from courses.bulk import PostgresCopyWriter, catalog_writer
    from courses.models import Course
    from courses.selectors import CourseQuery, course_search
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record

    assert isinstance(catalog_writer(), PostgresCopyWriter)
    records = [course_record(n, title_ja=f"生成AI活用講座{n}", hours=1.5) for n in range(1, 51)]
    report = catalog_import(data=catalog_json(records), filename="c.json")
    assert report.run.created == 50
    assert Course.objects.filter(hours=Decimal("1.5")).count() == 50
    found = course_search(query=CourseQuery(q="AI活用"), version=standard)
    assert found.count() == 50
    changed = [dict(r, price_jpy=0) for r in records[:10]]
    assert catalog_import(data=catalog_json(changed), filename="c.json").run.updated == 10
    assert Course.objects.filter(price_jpy=0).count() == 10


def test_the_same_progress_batch_posted_by_8_clients_is_stored_once(standard):
    """Eight threads, eight connections, one batch: each event stored once, one completion."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import Course, Provider
    from courses.services import catalog_import
    from courses.tests.factories import PROVIDER, catalog_json, course_record
    from learners.models import Enrollment, ProgressEvent, SkillAssessment
    from learners.services import EventIn, progress_events_ingest
    from learners.tests.factories import LearnerFactory, UserFactory

    catalog_import(data=catalog_json([course_record(n) for n in range(1, 6)]), filename="c.json")
    submitter = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(submitter)
    learners = [LearnerFactory.create() for _ in range(20)]
    courses = list(Course.objects.all())
    t0 = timezone.now() - timedelta(hours=1)
    batch: list[EventIn] = []
    for n, learner in enumerate(learners):
        for m, course in enumerate(courses):
            kind = "completed" if (n + m) % 3 == 0 else "progress"
            batch.append(
                EventIn(
                    index=len(batch),
                    idempotency_key=f"{n}-{m}",
                    learner=str(learner.public_id),
                    course=course.pk,
                    kind=kind,
                    occurred_at=t0 + timedelta(minutes=m),
                    percent=None if kind == "completed" else 50,
                )
            )
    answers, errors = [], []
    barrier = threading.Barrier(8)

    def post():
        try:
            barrier.wait(timeout=20)
            answers.append(progress_events_ingest(submitter=submitter, events=batch))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(answers) == 8
    created = [sum(o.status == "created" for o in answer) for answer in answers]
    assert sum(created) == len(batch)  # every event created by exactly one client
    assert all(o.status in ("created", "duplicate") for answer in answers for o in answer)
    assert ProgressEvent.objects.count() == len(batch)
    completions = sum(e.kind == "completed" for e in batch)
    assert Enrollment.objects.filter(status="completed").count() == completions
    assert SkillAssessment.objects.filter(source="course").count() == completions  # one DU04 tag per course


def test_the_server_refuses_to_change_or_delete_audit_entries():
    """The trigger holds even for SQL that bypasses the ORM (and for the table owner)."""
    from audit.models import AuditAction
    from audit.services import audit_record

    entry = audit_record(action=AuditAction.READ, event="test.read", actor=None)
    for sql in (
        "UPDATE audit_auditentry SET event = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    with connection.cursor() as cursor:
        cursor.execute("SELECT event FROM audit_auditentry WHERE id = %s", [entry.pk])
        assert cursor.fetchone() == ("test.read",)


def test_relevance_order_by_jsonb_positions_is_the_ranking(standard):
    """PostgreSQL orders by a jsonb id -> position lookup (not array_position); the order is the ranking's."""
    from courses import selectors
    from courses.selectors import CourseQuery, course_search, course_search_page
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record

    records = [course_record(n, level=1 + n % 4, title_ja=f"データ講座{n}") for n in range(1, 31)]
    records[7]["title_ja"] = "データ データ データ分析の講座"
    catalog_import(data=catalog_json(records), filename="c.json")
    qs = course_search(query=CourseQuery(q="データ", levels=[2, 3]), version=standard)
    assert "jsonb" in str(qs.query) and "array_position" not in str(qs.query)
    order = list(qs.values_list("pk", flat=True))
    ranked = selectors._ranked_ids("データ")
    assert order and order == [pk for pk in ranked if pk in set(order)]
    page = course_search_page(qs=qs, page=2, page_size=5)
    assert [c.pk for c in page.courses] == order[5:10]
    assert page.total == len(order) and sum(page.facets["level"].values()) == len(order)
