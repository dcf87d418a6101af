"""A provider uploads a CP932 CSV in the web app: the upload becomes a job (imported by a task, eager here) whose
page shows row-level errors (nothing stored) or the result; fixed, stored; inferred tags."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.catalog_format import ALL_COLUMNS
from courses.models import CatalogImportJob, Course, CourseSkill, Provider
from courses.tests.factories import PROVIDER

pytestmark = pytest.mark.django_db

GOOD = f"{PROVIDER},CSV-1,表計算でデータ分析,,Excelで集計と可視化,,,1,3,0,e-learning,ja,,false,false,DU01:1,"
UNTAGGED = (
    f"{PROVIDER},CSV-3,Pythonで機械学習モデルを作る,,scikit-learnで回帰と分類のモデルを学習し評価する実践講座,,,3,8,"
    "0,e-learning,ja,,false,false,,"
)


def _csv(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("courses.csv", "\r\n".join([",".join(ALL_COLUMNS), *rows]).encode("cp932"), "text/csv")


@pytest.fixture
def provider_user(standard, settings):
    settings.RECOMMENDER_DENSE = False
    user = get_user_model().objects.create_user("provider1", password="pw-for-tests-1234")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    return user


def _upload(client, capture, upload, lang: str = "") -> str:
    """POST the file (the import runs on commit: eagerly in tests), follow the 303 to the job's page."""
    with capture(execute=True):
        response = client.post("/courses/upload/" + (f"?lang={lang}" if lang else ""), {"file": upload})
    assert response.status_code == 303
    job_url = response["Location"]
    assert job_url.startswith("/courses/upload/jobs/")
    return job_url


def test_upload_fix_and_see_inferred_tags(client, provider_user, django_capture_on_commit_callbacks):
    client.force_login(provider_user)
    page = client.get("/courses/upload/", {"lang": "en"}).content.decode()
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    bad = f"{PROVIDER},CSV-2,機械学習,,説明,,,9,3,0,e-learning,ja,,false,false,DU05:2,"
    job_url = _upload(client, django_capture_on_commit_callbacks, _csv(GOOD, bad))
    response = client.get(job_url, {"lang": "en"})
    html = response.content.decode()
    assert response.status_code == 200 and "Nothing was stored" in html
    assert '<td class="num">3</td><td>CSV-2</td><td><code>level</code></td>' in html
    assert not Course.objects.exists()
    fixed = bad.replace(",9,3,", ",2,3,")
    job_url = _upload(client, django_capture_on_commit_callbacks, _csv(GOOD, fixed, UNTAGGED))
    html = client.get(job_url, {"lang": "en"}).content.decode()
    assert "3 rows: 3 created" in html
    assert "<code>CSV-3</code>" in html  # the result page lists what was created
    inferred = CourseSkill.objects.filter(course__code="CSV-3", source="inferred")
    assert inferred.exists()  # after commit, by the task (in-process here; a worker in production)
    html = client.get("/courses/upload/", {"lang": "en"}).content.decode()
    first = inferred.first()
    assert first is not None and f"<code>{first.skill_item.code}</code>" in html


def test_only_providers_and_staff_upload(client, standard):
    user = get_user_model().objects.create_user("learner9", password="pw-for-tests-1234")
    client.force_login(user)
    assert client.get("/courses/upload/").status_code == 403
    assert client.get("/courses/upload/template.csv").status_code == 403
    client.logout()
    assert client.get("/courses/upload/").status_code == 302


def test_a_japanese_upload_names_the_bad_row_in_japanese(client, provider_user, django_capture_on_commit_callbacks):
    """Row problems are Messages (common/messages.py): kept with their msgid on the job, shown translated."""
    client.force_login(provider_user)
    bad = f"{PROVIDER},CSV-2,機械学習,,説明,,,5,3,0,e-learning,ja,99,false,false,DU05:2,"
    job_url = _upload(client, django_capture_on_commit_callbacks, _csv(GOOD, bad))
    response = client.get(job_url)  # Japanese by default
    html = response.content.decode()
    assert response.status_code == 200 and "何も保存されていません" in html
    assert '<td class="problem">5 は範囲外です。1から4までで指定してください</td>' in html
    assert "は都道府県コード（01〜47）ではありません" in html
    assert "out of range" not in html
    job = CatalogImportJob.objects.get()
    assert job.import_run is not None
    problems = job.import_run.problems  # the import run keeps the English text
    assert {
        "row": 3,
        "field": "level",
        "message": "5 is out of range: must be from 1 to 4",
        "code": "CSV-2",
    } in problems
