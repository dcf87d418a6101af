"""The provider's journey (issue 21): log-in lands on its courses, templates that import unchanged, uploads as
import jobs (a task, eager or on a worker) with a progress page and a result page, visible only to the
uploader and staff."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import RoleGroup
from accounts.services import user_role_grant
from common.messages import Message, message_dump, message_load
from courses.models import CatalogImportJob, Course, CourseSkill, CourseStatus, ImportRun, Provider
from courses.services import catalog_import_job_run
from courses.tasks import catalog_import_job_task
from courses.tests.factories import PROVIDER, CourseFactory
from skills.models import SkillItem

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1234"


@pytest.fixture
def provider_user(standard, settings):
    settings.RECOMMENDER_DENSE = False
    user = get_user_model().objects.create_user("provider1", password=PASSWORD)
    user_role_grant(user=user, role=RoleGroup.PROVIDER)
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    return user


def _login(client, username: str, **extra: str):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, **extra})


def test_login_lands_a_provider_on_its_courses_and_everyone_else_on_onboarding(client, provider_user):
    User = get_user_model()
    User.objects.create_user("learner1", password=PASSWORD)
    User.objects.create_user("staff1", password=PASSWORD, is_staff=True)
    ministry = User.objects.create_user("ministry1", password=PASSWORD)
    user_role_grant(user=ministry, role=RoleGroup.MINISTRY)
    role_only = User.objects.create_user("provider2", password=PASSWORD)  # the role, no provider yet
    user_role_grant(user=role_only, role=RoleGroup.PROVIDER)
    expected = {
        "provider1": "/courses/provider/",
        "provider2": "/courses/provider/",
        "learner1": "/accounts/start/",
        "staff1": "/accounts/start/",
        "ministry1": "/accounts/start/",
    }
    for username, landing in expected.items():
        client.logout()
        response = _login(client, username)
        assert response.status_code == 302 and response["Location"] == "/welcome/", username
        assert client.get("/welcome/")["Location"] == landing, username
    client.logout()
    response = _login(client, "provider1", next="/courses/upload/")
    assert response["Location"] == "/courses/upload/"  # an explicit next wins
    assert client.get("/courses/provider/").status_code == 200
    html = client.get("/courses/provider/", {"lang": "en"}).content.decode()
    assert "Your account does not act for a provider yet" not in html
    client.force_login(role_only)
    assert "Your account does not act for a provider yet" in client.get("/courses/provider/?lang=en").content.decode()
    client.force_login(User.objects.get(username="learner1"))
    assert client.get("/courses/provider/").status_code == 403


def test_provider_home_shows_status_pending_tags_and_last_import(client, provider_user, standard):
    provider = Provider.objects.get(name_ja=PROVIDER)
    other = CourseFactory.create(title_en="Someone else's course")
    published = CourseFactory.create(provider=provider, code="P-1", title_en="Published one")
    CourseFactory.create(provider=provider, code="P-2", title_en="Draft one", status=CourseStatus.DRAFT)
    item = SkillItem.objects.filter(version=standard).order_by("code").first()
    assert item is not None
    CourseSkill.objects.create(course=published, skill_item=item, level=2, source="inferred", review_status="pending")
    ImportRun.objects.create(
        actor=provider_user, filename="a.csv", file_format="csv", outcome="stored", rows=4, created=3, updated=1
    )
    client.force_login(provider_user)
    html = client.get("/courses/provider/", {"lang": "en"}).content.decode()
    assert "Published one" in html and "Draft one" in html and "Someone else" not in html
    assert "published: 1" in html and "draft: 1" in html
    assert "1 inferred tag waiting for review" in html
    assert ": 3 created, 1 updated, 0 rejected" in html
    assert other.provider.name_ja not in html
    html_ja = client.get("/courses/provider/").content.decode()
    assert "あなたの講座" in html_ja and "レビュー待ち" in html_ja


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_template_downloads_and_imports_unchanged(client, provider_user, fmt, django_capture_on_commit_callbacks):
    client.force_login(provider_user)
    response = client.get(f"/courses/upload/template.{fmt}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = response.content
    if fmt == "json":
        (record,) = json.loads(body)
        assert record["provider"] == PROVIDER and record["skills"] == [{"code": "DU01", "level": 1}]
    else:
        assert body.decode("utf-8-sig").splitlines()[0].startswith("provider,code,title_ja")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/courses/upload/", {"file": SimpleUploadedFile(f"template.{fmt}", body)})
    assert response.status_code == 303
    job = CatalogImportJob.objects.get()
    assert job.status == "done" and job.import_run is not None
    assert (job.import_run.outcome, job.import_run.created, job.import_run.problems) == ("stored", 1, [])
    assert Course.objects.filter(provider__name_ja=PROVIDER, code="EXAMPLE-001").exists()


def test_a_job_waits_for_a_worker_then_is_processed_once(client, provider_user, django_capture_on_commit_callbacks):
    """With a broker (not eager) the upload answers at once; the job page refreshes itself until a worker ran it."""
    client.force_login(provider_user)
    body = client.get("/courses/upload/template.json").content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/courses/upload/", {"file": SimpleUploadedFile("t.json", body)})
    assert len(callbacks) == 1  # the task is sent after the commit
    job = CatalogImportJob.objects.get()
    assert response["Location"] == f"/courses/upload/jobs/{job.pk}/"
    page = client.get(response["Location"], {"lang": "en"}).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "js/import-job.js" in page and '<progress id="job-bar" max="100" value="5">' in page
    status = client.get(f"/courses/upload/jobs/{job.pk}/status").json()
    assert (status["status"], status["finished"], status["percent"]) == ("queued", False, 5)
    assert catalog_import_job_task.run(job_id=job.pk) == "done"  # what a worker does
    again = catalog_import_job_run(job_id=job.pk)  # a redelivered task: nothing more happens
    assert again is not None and again.status == "done"
    assert ImportRun.objects.count() == 1 and Course.objects.filter(code="EXAMPLE-001").count() == 1
    status = client.get(f"/courses/upload/jobs/{job.pk}/status").json()
    assert (status["status"], status["finished"], status["percent"], status["outcome"]) == ("done", True, 100, "stored")
    assert status["rows_total"] == status["rows_done"] == 1
    page = client.get(response["Location"], {"lang": "en"}).content.decode()
    assert "http-equiv" not in page and "1 rows: 1 created" in page and "<code>EXAMPLE-001</code>" in page
    job.refresh_from_db()
    assert bytes(job.data) == b""  # the file is dropped once imported


def test_only_the_uploader_and_staff_see_a_job(client, provider_user, django_capture_on_commit_callbacks):
    User = get_user_model()
    client.force_login(provider_user)
    body = client.get("/courses/upload/template.csv").content
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/courses/upload/", {"file": SimpleUploadedFile("t.csv", body)})
    job = CatalogImportJob.objects.get()
    urls = [f"/courses/upload/jobs/{job.pk}/", f"/courses/upload/jobs/{job.pk}/status"]
    other_provider = User.objects.create_user("provider9", password=PASSWORD)
    Provider.objects.create(name_ja="別の事業者").members.add(other_provider)
    staff = User.objects.create_user("staff9", password=PASSWORD, is_staff=True)
    for user, expected in ((provider_user, 200), (other_provider, 404), (staff, 200)):
        client.force_login(user)
        assert [client.get(u).status_code for u in urls] == [expected, expected], user.username
    client.logout()
    assert [client.get(u).status_code for u in urls] == [302, 302]  # to the log-in page
    client.force_login(provider_user)
    assert client.get(f"/courses/upload/jobs/{job.pk + 1}/status").status_code == 404


def test_rejected_rows_are_a_styled_translated_table_tied_to_the_file_field(
    client, provider_user, django_capture_on_commit_callbacks
):
    client.force_login(provider_user)
    record = json.loads(client.get("/courses/upload/template.json").content)[0]
    record["level"] = 7
    record["format"] = "webinar"
    body = json.dumps([record], ensure_ascii=False).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/courses/upload/", {"file": SimpleUploadedFile("bad.json", body)})
    html = client.get(response["Location"]).content.decode()
    assert not Course.objects.exists()  # all or nothing
    assert '<table class="issues" id="import-problems">' in html
    assert "7 は範囲外です" in html and "out of range" not in html
    assert 'aria-describedby="import-problems-summary import-problems"' in html and 'aria-invalid="true"' in html
    assert 'id="import-problems-summary"' in html
    html_en = client.get(response["Location"], {"lang": "en"}).content.decode()
    assert "7 is out of range: must be from 1 to 4" in html_en and "2 problems found." in html_en


def test_a_message_survives_json_and_is_translated_again():
    inner = Message("unknown column")
    message = Message("the column name %(problem)s", problem=inner)
    loaded = message_load(json.loads(json.dumps(message_dump(message))))
    assert isinstance(loaded, Message) and loaded == message and loaded.template == message.template
    assert isinstance(loaded.params["problem"], Message)
    assert message_load(message_dump("plain text")) == "plain text"
