"""The numpy char_wb counting in `TfidfEncoder` gives scikit-learn's matrix exactly."""

import json
import random
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.preprocessing import normalize as l2_normalize

from recommender.core.encoders import TfidfEncoder
from recommender.core.tagging import CourseText, SkillDoc
from recommender.core.text import normalize

ROOT = Path(__file__).resolve().parents[2]


def _load(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def _catalog() -> list[dict]:
    return _load(ROOT / "fixtures" / "sample_catalog.json")


@cache
def _encoder() -> TfidfEncoder:
    """Fitted on a corpus built as `HybridTagger.fit` builds it: skill documents, then tagged course texts."""
    standard = json.loads((ROOT / "fixtures" / "dss_skill_standard.json").read_text(encoding="utf-8"))
    terms = json.loads((ROOT / "recommender" / "data" / "skill_vocabulary.json").read_text(encoding="utf-8"))["skills"]
    docs = [
        SkillDoc(
            code=item["code"],
            name_ja=item["name_ja"],
            name_en=item["name_en"],
            text_ja=f"{item['definition_ja']} {' '.join(item['topics_ja'])}",
            text_en=f"{item['definition_en']} {' '.join(item['topics_en'])}",
            terms_ja=tuple(terms.get(item["code"], {}).get("ja", [])),
            terms_en=tuple(terms.get(item["code"], {}).get("en", [])),
        )
        for item in standard["skill_items"]
    ]
    examples: dict[str, list[CourseText]] = {}
    for course in _catalog():
        text = CourseText(course["title_ja"], course["description_ja"], course["title_en"], course["description_en"])
        for skill in course.get("skills", []):
            examples.setdefault(skill["code"], []).append(text)
    corpus = [d.sparse_text() for d in docs] + [t.full() for ts in examples.values() for t in ts]
    return TfidfEncoder().fit(corpus)


def _reference(encoder: TfidfEncoder, texts: list[str]) -> sparse.csr_matrix:
    """What `TfidfEncoder.transform` computed on scikit-learn alone."""
    normalized = [normalize(t) for t in texts]
    return l2_normalize(
        sparse.hstack([encoder.char_.transform(normalized), encoder.word_.transform(normalized)]).tocsr()
    )


def assert_same_matrix(got: sparse.csr_matrix, expected: sparse.csr_matrix) -> None:
    assert sparse.isspmatrix_csr(got)
    assert got.dtype == np.float64
    assert got.shape == expected.shape
    expected = expected.tocsr()
    expected.sort_indices()
    assert got.has_sorted_indices
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_allclose(got.data, expected.data, rtol=0, atol=1e-12)


def assert_same_as_scikit_learn(texts: list[str]) -> None:
    encoder = _encoder()
    assert_same_matrix(encoder.transform(texts), _reference(encoder, texts))
    # The char part alone, also on text that did not go through `normalize` (tabs, runs of spaces, upper case).
    assert_same_matrix(encoder.char_matrix(texts), encoder.char_.transform(texts))


def test_tfidf_uses_the_numpy_counter():
    assert _encoder().char_counter_ is not None


def test_tfidf_matches_scikit_learn_on_the_development_courses():
    rows = _load(ROOT / "recommender" / "evaluation" / "courses_dev.json")
    fields = [r[f] for r in rows for f in ("title", "description", "title_en", "description_en")]
    full = [CourseText(r["title"], r["description"], r["title_en"], r["description_en"]).full() for r in rows]
    assert_same_as_scikit_learn(fields + full)


def test_tfidf_matches_scikit_learn_on_the_sample_catalog():
    rows = _catalog()
    fields = [r[f] for r in rows for f in ("title_ja", "description_ja", "title_en", "description_en")]
    full = [CourseText(r["title_ja"], r["description_ja"], r["title_en"], r["description_en"]).full() for r in rows]
    assert_same_as_scikit_learn(fields + full)


@cache
def _corpus_characters() -> str:
    """Characters of the fitted vocabulary (so generated text hits many n-grams)."""
    return "".join(sorted({ch for term in _encoder().char_.vocabulary_ for ch in term if not ch.isspace()}))


SPACES = [" ", " ", " ", "  ", "   ", "\t", "\n", "\u3000", "\xa0", "\x1c", " \t "]
OTHERS = "ABCxyz0123456789.,;:!?()[]#+-/・、。「」（）ＡＢＣａｂｃ０１２３！？ｶﾀｶﾅ①ﬁß€😀\U00010000\U0010ffff\x00é"


def _random_text(rng: random.Random, corpus: str) -> str:
    words = []
    for _ in range(rng.randint(0, 12)):
        size = rng.choice([1, 1, 2, 3, 4, 5, 8, 15])
        pool = corpus if rng.random() < 0.7 else OTHERS
        words.append("".join(rng.choice(pool) for _ in range(size)))
    spaces = [rng.choice(SPACES) for _ in range(len(words) + 1)]
    text = "".join(s + w for s, w in zip(spaces, words, strict=False))
    return text + spaces[-1] if rng.random() < 0.5 else text


def test_tfidf_matches_scikit_learn_on_random_mixed_text():
    rng = random.Random(20240611)  # noqa: S311 - reproducible test data
    texts = [_random_text(rng, _corpus_characters()) for _ in range(600)] + ["", " ", "a", "あ", " a ", "😀"]
    assert any(len(w) == 1 for t in texts for w in t.split())
    assert any(ch not in _corpus_characters() and not ch.isspace() for t in texts for ch in t)
    assert_same_as_scikit_learn(texts)


@st.composite
def _mixed_text(draw: st.DrawFn) -> str:
    word = st.text(
        alphabet=st.sampled_from(_corpus_characters()) | st.sampled_from(OTHERS) | st.characters(), max_size=6
    )
    words = draw(st.lists(word, max_size=8))
    spaces = draw(st.lists(st.sampled_from(SPACES), min_size=len(words) + 1, max_size=len(words) + 1))
    return "".join(s + w for s, w in zip(spaces, words, strict=False)) + spaces[-1]


@settings(max_examples=150, deadline=None)
@given(st.lists(_mixed_text(), min_size=1, max_size=6))
def test_tfidf_matches_scikit_learn_on_generated_text(texts):
    assert_same_as_scikit_learn(texts)


@pytest.mark.parametrize(
    "texts",
    [
        ["\ud800"],  # what hypothesis drew in CI (issue 16): a lone surrogate raised UnicodeEncodeError
        ["a\ud800b", " \udfff ", "データ\udc80分析"],
        ["\ud83d", "\ude00", "\ud83d\ude00"],  # halves of a pair, apart and together
    ],
)
def test_tfidf_transform_handles_a_lone_surrogate(texts):
    assert_same_as_scikit_learn(texts)


def test_tfidf_counts_the_same_in_small_document_chunks():
    encoder = _encoder()
    assert encoder.char_counter_ is not None
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    texts = [normalize(_random_text(rng, _corpus_characters())) for _ in range(50)]
    whole = encoder.char_counter_.counts(texts)
    assert_same_matrix(encoder.char_counter_.counts(texts, chunk=3), whole)
    assert_same_matrix(encoder.char_counter_.counts(texts, chunk=1), whole)


def test_tfidf_falls_back_to_scikit_learn_where_numpy_would_differ():
    corpus = [t.full() for t in (CourseText(r["title_ja"], r["description_ja"]) for r in _catalog()[:40])]
    texts = [*corpus[:5], "a b c", ""]
    for ngrams in ((1, 3), (4, 5)):  # shared padding spaces; a short word counted whole
        encoder = TfidfEncoder(char_ngrams=ngrams).fit(corpus)
        assert encoder.char_counter_ is None
        assert_same_matrix(encoder.transform(texts), _reference(encoder, texts))
    encoder = TfidfEncoder(char_ngrams=(3, 3)).fit(corpus)
    assert encoder.char_counter_ is not None
    assert_same_matrix(encoder.transform(texts), _reference(encoder, texts))
