"""The calibrated layer learns from declared and reviewed tags, is stored per state of the labels and retrained
after reviews; inferred tags carry their probability and evidence (sparse and keyword signals: fast)."""

import pytest
from django.contrib.auth.models import User

from courses.models import CourseSkill, ReviewStatus, TagSource
from courses.services import catalog_import, course_skill_review
from courses.tests.factories import catalog_json, course_record
from recommender import engine, learning
from recommender.models import TagCalibration

pytestmark = pytest.mark.django_db

TOPICS = [
    ("DU05", "scikit-learnで学ぶ機械学習", "回帰と分類のモデルを構築し、交差検証で評価します。"),
    ("DU04", "統計とデータ可視化", "記述統計と仮説検定を学び、グラフで可視化します。"),
    ("SC01", "情報セキュリティ基礎", "脆弱性診断と暗号の基本、OWASP Top 10を扱います。"),
    ("TE08", "クラウド基盤の構築", "AWSとTerraformでインフラをコード化します。"),
]


@pytest.fixture
def catalog(standard, settings):
    settings.RECOMMENDER_DENSE = False
    engine.dense_encoder.cache_clear()
    learning._loaded.clear()
    records = []
    n = 0
    for round_ in range(3):
        for code, title, description in TOPICS:
            n += 1
            records.append(
                course_record(
                    n,
                    title_ja=f"{title} {round_ + 1}",
                    description_ja=description,
                    title_en="",
                    description_en="",
                    skills=[{"code": code, "level": 2}],
                )
            )
    records.append(
        course_record(
            99,
            title_ja="Pythonによる機械学習入門",
            description_ja="社内の事例を紹介します。scikit-learnで回帰モデルを作ります。",
            title_en="",
            description_en="",
            skills=[],
        )
    )
    catalog_import(data=catalog_json(records), filename="c.json")
    from courses.models import Course
    from recommender.services import course_tags_infer

    course_tags_infer(course_ids=[Course.objects.get(code="T-099").pk])  # what the import queues after commit
    yield
    engine.dense_encoder.cache_clear()
    learning._loaded.clear()


def test_the_layer_is_stored_once_per_state_of_the_labels(catalog, standard):
    first = learning.tag_calibration_refresh(version=standard)
    again = learning.tag_calibration_refresh(version=standard)
    assert first.pk == again.pk and TagCalibration.objects.count() == 1
    assert first.courses == 12 and first.parameters["positives"] == 12
    assert first.parameters["C"] in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def test_inferred_tags_carry_a_probability_and_their_evidence(catalog):
    tags = CourseSkill.objects.filter(course__code="T-099", source=TagSource.INFERRED)
    assert tags.exists()
    tag = tags.get(skill_item__code="DU05")
    assert 0 < tag.confidence <= 1
    # The sentences that name the item's terms (機械学習, scikit-learn, 回帰), in text order; not the other one.
    assert tag.evidence == ["Pythonによる機械学習入門", "scikit-learnで回帰モデルを作ります。"]


def test_a_review_retrains_the_layer_after_commit(catalog, standard, django_capture_on_commit_callbacks):
    before = learning.tag_calibration_refresh(version=standard)
    tag = CourseSkill.objects.filter(course__code="T-099", source=TagSource.INFERRED).first()
    assert tag is not None
    reviewer = User.objects.create_user("staff", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        course_skill_review(tag=tag, reviewer=reviewer, action="reject")
    assert callbacks  # the retraining task was queued after the review committed
    assert TagCalibration.objects.count() == 2
    after = TagCalibration.objects.exclude(pk=before.pk).get()
    labelled = {c.course_id: c for c in learning.labelled_catalog(version=standard)}
    assert labelled[tag.course_id].negatives == (tag.skill_item.code,) and not labelled[tag.course_id].complete
    assert after.parameters["pairs"] == before.parameters["pairs"] + 1  # the rejection is one more labelled pair

    from recommender.tasks import tag_calibration_task

    assert tag_calibration_task.apply(kwargs={"tag_ids": [tag.pk]}).get() == after.pk  # idempotent
    assert TagCalibration.objects.count() == 2
    tag.refresh_from_db()
    assert tag.review_status == ReviewStatus.REJECTED


def test_a_text_of_only_symbols_gets_no_skill_item(catalog, standard):
    from recommender.core.tagging import CourseText
    from recommender.planning import infer

    [symbols] = infer(version=standard, texts=[CourseText("★★★", "※※※ ――― ！？")])
    assert symbols["skills"] == [] and isinstance(symbols["literacy"], list)  # a clean answer: no skill item
    [ranked] = infer(version=standard, texts=[CourseText("★★★", "※※※ ――― ！？")], top_k=3)
    assert len(ranked["skills"]) == 3  # --top still gives a ranked list


def test_the_embedding_classifier_is_stored_with_the_layer_and_read_by_infer(catalog, standard, monkeypatch):
    """With course vectors (here toy ones: one direction per topic), the classifier is fitted with the layer, stored
    in the same row, and `infer` feeds the texts' vectors to it: the vector moves the probability."""
    import numpy as np

    from recommender.core.tagging import CourseText
    from recommender.planning import infer

    topics = {code: np.eye(8)[n] for n, (code, _, _) in enumerate(TOPICS)}

    def vectors(courses):
        return np.array([topics[c.positives[0]] + 0.1 for c in courses], dtype=np.float32)

    monkeypatch.setattr(learning, "catalog_vectors", vectors)
    TagCalibration.objects.all().delete()  # the fixture's inference stored the same labels' layer without vectors
    row = learning.tag_calibration_refresh(version=standard)
    assert row.classifier["C"] in (0.1, 1.0, 10.0, 100.0) and row.classifier["dimension"] == 8
    assert sum(row.classifier["fitted"]) == len(TOPICS)  # three courses each; every other item has no model
    layer = learning.stored_layer(row)
    assert layer.classifier is not None and layer.classifier.items_fitted == len(TOPICS)

    learning._loaded.clear()
    learning._keys.clear()
    monkeypatch.setattr(learning, "tagging_layer", lambda version: layer)
    monkeypatch.setattr("recommender.planning.tagging_layer", lambda version: layer)
    text = CourseText("データ活用入門", "社内の事例を紹介します。")
    towards = {
        code: infer(version=standard, texts=[text], top_k=49, query_vectors=np.array([vec + 0.1]))[0]["skills"]
        for code, vec in topics.items()
    }
    probability = {code: {s["code"]: s["probability"] for s in skills} for code, skills in towards.items()}
    assert probability["DU05"]["DU05"] > probability["SC01"]["DU05"]
    assert probability["SC01"]["SC01"] > probability["DU05"]["SC01"]
    # No vector (a text the model cannot read): the signal is missing, and infer still answers.
    [plain] = infer(version=standard, texts=[text], top_k=3, query_vectors=np.zeros((1, 8)))
    assert len(plain["skills"]) == 3


def test_without_a_dense_model_the_layer_has_no_classifier(catalog, standard):
    row = learning.tag_calibration_refresh(version=standard)
    assert row.classifier == {} and learning.stored_layer(row).classifier is None
    assert row.parameters["feature_version"] == "pairs-v2-classifier" and len(row.parameters["coef"]) == 21
