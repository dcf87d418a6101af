"""Word-level Japanese tokens for the sparse signal, from a morphological analyser (an experiment).

`JapaneseWordsTfidf` is the tagger's TF-IDF (character 2-4-grams, word 1-2-grams) plus TF-IDF over the
content words (nouns, verbs, adjectives; normalised form) and their bigrams that SudachiPy (with
sudachidict-core, split mode C) or fugashi (with unidic-lite) finds.  `evaluate_recommender
--japanese-words sudachi|fugashi` measures it by the same cross-validation as the default; it is kept
out of the product unless those figures improve (docs/recommender.md: they did not).  The analysers are
optional packages, imported only here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from recommender.core.encoders import TfidfEncoder
from recommender.core.text import normalize

CONTENT = ("名詞", "動詞", "形容詞")


class JapaneseWordsUnavailable(RuntimeError):
    """The analyser or its dictionary is not installed."""


def analyser(kind: str) -> Callable[[str], list[str]]:
    """A function text -> content words (normalised forms) for 'sudachi' or 'fugashi'."""
    if kind == "sudachi":
        try:
            from sudachipy import dictionary, tokenizer  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except ImportError:
            raise JapaneseWordsUnavailable(
                "SudachiPy is not installed: pip install sudachipy==0.7.0 sudachidict-core==20261015"
            ) from None
        tagger = dictionary.Dictionary(dict="core").create()
        mode = tokenizer.Tokenizer.SplitMode.C

        def sudachi(text: str) -> list[str]:
            return [
                m.normalized_form()
                for m in tagger.tokenize(text[:20000], mode)
                if m.part_of_speech()[0] in CONTENT and m.surface().strip()
            ]

        return sudachi
    if kind == "fugashi":
        try:
            import fugashi  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except ImportError:
            raise JapaneseWordsUnavailable(
                "fugashi is not installed: pip install fugashi==1.5.2 unidic-lite==1.0.8"
            ) from None
        try:
            words = fugashi.Tagger()
        except RuntimeError as exc:
            raise JapaneseWordsUnavailable(
                f"fugashi has no dictionary (pip install unidic-lite==1.0.8): {exc}"
            ) from None

        def mecab(text: str) -> list[str]:
            out = []
            for w in words(text[:20000]):
                feature: Any = w.feature
                if getattr(feature, "pos1", "") in CONTENT and w.surface.strip():
                    out.append(str(getattr(feature, "lemma", None) or w.surface))
            return out

        return mecab
    raise JapaneseWordsUnavailable(f"unknown analyser {kind!r} (sudachi or fugashi)")


class JapaneseWordsTfidf(TfidfEncoder):
    """TfidfEncoder plus content-word unigrams and bigrams from a morphological analyser."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.words = analyser(kind)
        self.name = f"tfidf:char2-4+word1-2+{kind}1-2"

    def _analyse(self, text: str) -> list[str]:
        tokens = self.words(text)
        return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]

    def fit(self, corpus: Sequence[str]) -> JapaneseWordsTfidf:
        super().fit(corpus)
        self.japanese_ = TfidfVectorizer(analyzer=self._analyse, sublinear_tf=True)
        self.japanese_.fit([normalize(t) for t in corpus])
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        normalized = [normalize(t) for t in texts]
        stacked = sparse.hstack(
            [self.char_matrix(normalized), self.word_.transform(normalized), self.japanese_.transform(normalized)]
        ).tocsr()
        return l2_normalize(stacked)
