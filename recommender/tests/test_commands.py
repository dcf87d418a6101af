"""The command-line contracts, on the real standard and a small catalog."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.services import catalog_import
from courses.tests.factories import catalog_json, course_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_catalog(standard, settings):
    settings.RECOMMENDER_DENSE = False  # the sparse and keyword signals only: fast; the model has its own test
    from recommender.engine import dense_encoder

    dense_encoder.cache_clear()
    records = [
        course_record(
            1, title_ja="scikit-learnで学ぶ機械学習", skills=[{"code": "DU05", "level": 3}], hours=10, price_jpy=0
        ),
        course_record(2, title_ja="統計とデータ可視化", skills=[{"code": "DU04", "level": 3}], hours=8, price_jpy=5000),
        course_record(3, title_ja="DX入門", skills=[], literacy=["WHY"], level=1, hours=2, price_jpy=0),
        course_record(
            4, title_ja="深層学習 上級", skills=[{"code": "DU05", "level": 4}], hours=30, price_jpy=200000, level=4
        ),
    ]
    catalog_import(data=catalog_json(records), filename="c.json")
    yield
    dense_encoder.cache_clear()


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_recommend_plan_contract(small_catalog):
    data = run(
        "recommend_plan",
        "--role",
        "DS_PRO",
        "--level",
        "DU04=1",
        "--weekly-hours",
        "5",
        "--weeks",
        "4",
        "--budget",
        "10000",
    )
    assert set(data) == {"gaps", "needs_literacy", "items", "core", "totals", "message"}
    item = data["items"][0]
    assert set(item) == {
        "course",
        "skills",
        "hours",
        "price_jpy",
        "paid_by_employer",
        "week",
        "reason",
        "core",
        "score",
        "why",
    }
    assert set(item["course"]) == {"id", "provider", "code", "title", "title_en", "level", "format", "recognised"}
    assert set(item["skills"][0]) == {"code", "from", "to", "core", "inferred", "confidence"}
    assert set(data["core"]) == {"items", "at_target_now", "at_target_after", "gaps", "no_course"}
    codes = [i["course"]["code"] for i in data["items"]]
    assert "T-004" not in codes  # over budget
    assert data["totals"]["hours"] <= 20 and data["totals"]["price_jpy"] <= 10000
    assert (
        run(
            "recommend_plan",
            "--role",
            "DS_PRO",
            "--level",
            "DU04=1",
            "--weekly-hours",
            "5",
            "--weeks",
            "4",
            "--budget",
            "10000",
        )
        == data
    )


def test_recommend_plan_reads_the_prefecture_and_travel(standard, settings):
    settings.RECOMMENDER_DENSE = False
    catalog_import(
        data=catalog_json(
            [
                course_record(
                    1, level=1, skills=[{"code": "DU04", "level": 1}], format="classroom", prefecture="22", price_jpy=0
                )
            ]
        ),
        filename="c.json",
    )
    base = ["recommend_plan", "--role", "DS_PRO", "--budget", "0"]
    assert run(*base, "--prefecture", "23")["items"] == []  # Shizuoka is not Aichi
    assert [i["course"]["code"] for i in run(*base, "--prefecture", "23", "--travel")["items"]] == ["T-001"]
    assert run(*base)["items"] == []  # no prefecture: no classroom course


def test_recommend_plan_literacy_first_for_beginners(small_catalog):
    data = run("recommend_plan", "--role", "DS_PRO", "--no-literacy")
    assert data["needs_literacy"] is True
    assert data["items"][0]["reason"] == "literacy"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--role", "NOPE"], "--role"),
        (["--role", "DS_PRO", "--level", "XX99=2"], "--level"),
        (["--role", "DS_PRO", "--level", "DU04=7"], "--level"),
        (["--role", "DS_PRO", "--level", "DU04"], "--level"),
        (["--role", "DS_PRO", "--budget", "-1"], "--budget"),
        (["--role", "DS_PRO", "--weekly-hours", "0"], "--weekly-hours"),
        (["--role", "DS_PRO", "--prefecture", "48"], "--prefecture"),
        (["--role", "DS_PRO", "--prefecture", "Tokyo"], "--prefecture"),
        (["--role", "DS_PRO", "--prefecture", "13", "--abroad"], "--prefecture"),
    ],
)
def test_recommend_plan_bad_arguments_name_the_argument(small_catalog, args, fragment):
    with pytest.raises(CommandError, match=fragment):
        call_command("recommend_plan", *args, stdout=StringIO())


def test_no_gaps_is_an_empty_plan_with_a_message(small_catalog, standard):
    targets = {"a": 4, "b": 3, "c": 2, "d": 1, "z": 0}
    role = standard.roles.get(code="DS_PRO")
    levels = [f"{r.skill_item.code}={targets[r.grade]}" for r in role.requirements.select_related("skill_item")]
    args = ["recommend_plan", "--role", "DS_PRO"]
    for level in levels:
        args += ["--level", level]
    data = run(*args)
    assert data["items"] == [] and data["gaps"] == []
    assert "No gaps" in data["message"]


def test_infer_skills_contract(small_catalog, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "a",
                    "title": "pandasとscikit-learnによる機械学習",
                    "description": "回帰・分類モデルを構築して評価する",
                },
                {
                    "id": 7,
                    "title": "Intro",
                    "description": "",
                    "title_en": "Machine learning with PyTorch",
                    "description_en": "deep learning models",
                    "level": 3,
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    data = run("infer_skills", str(path), "--top", "2")
    assert [d["id"] for d in data] == ["a", 7]
    assert set(data[0]) == {"id", "skills", "literacy"}
    assert len(data[0]["skills"]) == 2
    assert set(data[0]["skills"][0]) == {"code", "score", "probability", "level", "evidence"}
    assert data[0]["skills"][0]["code"] in {"DU05", "DU04"}
    assert data[0]["skills"][0]["probability"] >= data[0]["skills"][1]["probability"]
    assert data[1]["skills"][0]["level"] == 3
    # Without --top: only the tags whose calibrated probability reaches the threshold, at most three.
    from django.conf import settings

    for record in run("infer_skills", str(path)):
        assert len(record["skills"]) <= 3
        assert all(s["probability"] >= settings.RECOMMENDER_TAG_THRESHOLD for s in record["skills"])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('[{"id": 1, "title": "x"}]', "field 'description'"),
        ('[{"id": 1, "title": " ", "description": ""}]', "empty"),
        ('{"id": 1}', "JSON list"),
        ("not json", "not valid JSON"),
        ('[{"id": 1, "title": "x", "description": "y", "level": 9}]', "field 'level'"),
    ],
)
def test_infer_skills_bad_input(small_catalog, tmp_path, content, fragment):
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=fragment):
        call_command("infer_skills", str(path), stdout=StringIO())


@pytest.mark.parametrize(
    "record",
    [
        {"id": 1, "title": "★★★", "description": "※※※ ――― ！？ ###"},  # only symbols
        {"id": 2, "title": "", "description": "機械学習 machine learning 統計。" * 60_000},  # about 1 MB
        {"id": 3, "title": "Pythonで機械学習", "description": "Learn 機械学習 with scikit-learn; 回帰と분류 и ε."},
    ],
)
def test_infer_skills_gives_a_clean_answer_on_odd_text(small_catalog, tmp_path, record):
    path = tmp_path / "in.json"
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    [result] = run("infer_skills", str(path))
    assert result["id"] == record["id"] and len(result["skills"]) <= 3
    for skill in result["skills"]:
        assert 0 <= skill["probability"] <= 1 and all(len(s) <= 300 for s in skill["evidence"])
