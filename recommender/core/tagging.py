"""Skill inference: course text -> ranked DSS-P skill items with an estimated level taught.

Three signals, fused with weights (`HybridTagger`):
- dense: cosine between the course text (its English fields when present) and each item's
  English description, from a sentence-transformers encoder;
- sparse: cosine between TF-IDF (character and word n-grams) of the course text and each item's
  bilingual description (names, definitions, topics, curated terms), so Japanese works without
  a Japanese model;
- keywords: the share of an item's curated terms (tools, methods, synonyms) found in the text.
A method that uses one signal only is the same class with the other weights at zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from recommender.core.encoders import Encoder, TfidfEncoder
from recommender.core.text import normalize


@dataclass(frozen=True)
class SkillDoc:
    """What the tagger knows about one skill item (or literacy section)."""

    code: str
    name_ja: str
    name_en: str
    text_ja: str = ""
    text_en: str = ""
    terms_ja: tuple[str, ...] = ()
    terms_en: tuple[str, ...] = ()

    def sparse_text(self) -> str:
        return " ".join(
            [self.name_ja, self.name_en, self.text_ja, self.text_en, " ".join(self.terms_ja), " ".join(self.terms_en)]
        )

    def dense_text(self, english_only: bool = True) -> str:
        """English description and terms; a multilingual model also reads the Japanese side."""
        text = f"{self.name_en}. {self.text_en} {', '.join(self.terms_en[:12])}".strip()
        if english_only:
            return text
        return f"{text} {self.name_ja}。{self.text_ja} {'、'.join(self.terms_ja[:12])}".strip()


@dataclass(frozen=True)
class CourseText:
    title: str
    description: str
    title_en: str = ""
    description_en: str = ""
    level: int | None = None

    def full(self) -> str:
        return " ".join(t for t in (self.title, self.title, self.description, self.title_en, self.description_en) if t)

    def has_english(self) -> bool:
        if self.title_en or self.description_en:
            return True
        text = self.title + self.description
        letters = sum(ch.isascii() and ch.isalpha() for ch in text)
        return bool(text) and letters / len(text) > 0.6

    def readable(self, english_only: bool) -> bool:
        """Whether a dense model can read this text (an English-only model needs an English side)."""
        return self.has_english() if english_only else bool(self.title or self.description or self.english())

    def dense_text(self, english_only: bool) -> str:
        """What the dense model encodes: the English side, or everything for a multilingual model."""
        if english_only:
            return self.english()
        parts = [f"{self.title}. {self.description}".strip(". ")]
        if self.title_en or self.description_en:
            parts.append(self.english())
        return " ".join(p for p in parts if p)

    def english(self) -> str:
        """The English side for an English-only dense model; the original text when there is none."""
        if self.title_en or self.description_en:
            return f"{self.title_en}. {self.description_en}".strip(". ")
        return f"{self.title}. {self.description}".strip(". ")


@dataclass(frozen=True)
class SkillGuess:
    code: str
    score: float
    level: int
    probability: float | None = None  # calibrated (recommender.core.calibration); None from the raw ranking
    evidence: tuple[str, ...] = ()


_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+|(?<=[;；])\s*")
MAX_EVIDENCE = 2
MAX_SENTENCE_CHARS = 300
MAX_SENTENCES = 2000  # a 1 MB description: evidence is looked for in its first 2,000 sentences


def sentences(text: CourseText) -> list[str]:
    """The course text cut into sentences (Japanese and Latin punctuation, line breaks), in order, once each;
    a very long run without punctuation is cut at MAX_SENTENCE_CHARS."""
    out: list[str] = []
    for part in (text.title, text.description, text.title_en, text.description_en):
        for piece in _SENTENCE_END.split(part or ""):
            piece = piece.strip()
            while piece:
                head, piece = piece[:MAX_SENTENCE_CHARS].strip(), piece[MAX_SENTENCE_CHARS:].strip()
                if head and head not in out:
                    out.append(head)
                    if len(out) >= MAX_SENTENCES:
                        return out
    return out


@dataclass
class Weights:
    dense: float = 0.35
    sparse: float = 0.45
    keyword: float = 0.20


_INTRO = re.compile(
    r"入門|初め|はじめ|基礎|概要|超入門|初心者|はじめて|introduct|beginner|basics|fundamental|overview|101"
)
_PRACTICE = re.compile(r"実践|演習|ハンズオン|実務|実装|応用|hands-on|practical|workshop|project|implement")
_ADVANCED = re.compile(
    r"上級|高度|エキスパート|専門家|アーキテクト|リード|戦略立案|advanced|expert|master|senior|leadership"
)


def estimate_level(text: CourseText) -> int:
    """The level a course teaches: its declared level, else read from its wording (1-4)."""
    if text.level is not None:
        return int(min(4, max(1, text.level)))
    words = normalize(text.full())
    if _ADVANCED.search(words):
        return 4
    if _PRACTICE.search(words):
        return 3
    if _INTRO.search(words):
        return 1
    return 2


def fuse(parts: Mapping[str, np.ndarray], weights: Weights) -> np.ndarray:
    """Weighted sum of the signals, each first scaled so that its best item per text scores 1
    (raw cosines of different encoders are not on one scale)."""
    total = np.zeros_like(parts["sparse"])
    for name, weight in (("dense", weights.dense), ("sparse", weights.sparse), ("keyword", weights.keyword)):
        if weight > 0:
            matrix = parts[name]
            top = matrix.max(axis=1, keepdims=True)
            total += weight * np.divide(matrix, top, out=np.zeros_like(matrix), where=top > 0)
    return total


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """One regex per item.  Latin terms must stand alone (SOC must not match inside 'society');
    Japanese terms match as substrings, since Japanese has no spaces between words."""
    parts = []
    for term in sorted({normalize(t) for t in terms if len(normalize(t)) >= 2}, key=len, reverse=True):
        escaped = re.escape(term)
        parts.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])" if term.isascii() else escaped)
    return re.compile("|".join(parts)) if parts else None


def dense_english_only(encoder: Encoder | None) -> bool:
    """An encoder reads English only unless it says otherwise (`english_only = False`)."""
    return bool(getattr(encoder, "english_only", True))


@dataclass
class HybridTagger:
    """Fit on skill documents, then score any course text against every item."""

    dense: Encoder | None = None
    weights: Weights = field(default_factory=Weights)

    def fit(
        self,
        docs: Sequence[SkillDoc],
        examples: Mapping[str, Sequence[CourseText]] | None = None,
        example_weight: float = 1.0,
        *,
        doc_vectors: np.ndarray | None = None,
        example_vectors: Mapping[str, np.ndarray] | None = None,
        sparse_encoder: TfidfEncoder | None = None,
    ) -> HybridTagger:
        """Each item is represented by its description and, when given, by the centroid of
        course texts already tagged with it (a labelled catalog): prototype classification.

        `doc_vectors` (one row per doc, from `SkillDoc.dense_text` as passages) and `example_vectors`
        (per code, one row per example with an English side, as queries) are dense vectors computed
        earlier (the product stores them); when absent the dense encoder computes them.  `sparse_encoder`: a
        TF-IDF already fitted (its vocabulary and IDF, unsupervised) to reuse across several fits, or an unfitted
        one to fit here instead of the default TfidfEncoder."""
        self.docs_ = list(docs)
        self.codes_ = [d.code for d in self.docs_]
        examples = examples or {}
        if sparse_encoder is None or not hasattr(sparse_encoder, "char_"):  # none given, or given unfitted
            corpus = [d.sparse_text() for d in self.docs_] + [t.full() for ts in examples.values() for t in ts]
            sparse_encoder = (sparse_encoder or TfidfEncoder()).fit(corpus)
        self.sparse_ = sparse_encoder
        doc_sparse = self.sparse_.transform([d.sparse_text() for d in self.docs_]).toarray()
        for j, code in enumerate(self.codes_):
            texts = examples.get(code, ())
            if texts:
                centroid = np.asarray(self.sparse_.transform([t.full() for t in texts]).mean(axis=0)).ravel()
                doc_sparse[j] = doc_sparse[j] + example_weight * centroid / max(float(np.linalg.norm(centroid)), 1e-9)
        self.doc_sparse_ = sparse.csr_matrix(
            doc_sparse / np.maximum(np.linalg.norm(doc_sparse, axis=1, keepdims=True), 1e-9)
        )
        self.terms_ = [_term_pattern([*d.terms_ja, *d.terms_en, d.name_ja, d.name_en]) for d in self.docs_]
        self.doc_dense_: np.ndarray | None = None
        if self.dense is not None:
            english_only = dense_english_only(self.dense)
            if doc_vectors is None:
                doc_vectors = self.dense.encode_passages([d.dense_text(english_only) for d in self.docs_])
            dense = np.asarray(doc_vectors, dtype=np.float64).copy()
            if example_vectors is None:
                # Only examples with an English side, as for queries; each distinct text is encoded once.
                readable = sorted(
                    {t.dense_text(english_only) for ts in examples.values() for t in ts if t.readable(english_only)}
                )
                vectors = dict(zip(readable, self.dense.encode_queries(readable), strict=True)) if readable else {}
                example_vectors = {
                    code: np.array([vectors[t.dense_text(english_only)] for t in ts if t.readable(english_only)])
                    for code, ts in examples.items()
                }
            for j, code in enumerate(self.codes_):
                found = example_vectors.get(code)
                if found is not None and len(found):
                    centroid = np.mean(found, axis=0)
                    dense[j] = dense[j] + example_weight * centroid / max(float(np.linalg.norm(centroid)), 1e-9)
            self.doc_dense_ = (dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-9)).astype(
                np.float32
            )
        return self

    def components(self, texts: Sequence[CourseText], query_vectors: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Each signal's score matrix, shape (texts, items), every value in [0, 1].

        `query_vectors`: dense vectors of the texts' English sides computed earlier (rows of texts
        without an English side are ignored); when absent the dense encoder computes them."""
        n, m = len(texts), len(self.docs_)
        out = {"sparse": np.zeros((n, m)), "dense": np.zeros((n, m)), "keyword": np.zeros((n, m))}
        if n == 0:
            return out
        out["sparse"] = (self.sparse_.transform([t.full() for t in texts]) @ self.doc_sparse_.T).toarray()
        if self.doc_dense_ is not None and self.dense is not None:
            # An English-only model reads English: texts with no English side get no dense vote.
            english_only = dense_english_only(self.dense)
            readable = [i for i, t in enumerate(texts) if t.readable(english_only)]
            if readable:
                if query_vectors is not None:
                    queries = np.asarray(query_vectors, dtype=np.float32)[readable]
                else:
                    queries = self.dense.encode_queries([texts[i].dense_text(english_only) for i in readable])
                out["dense"][readable] = np.clip(queries @ self.doc_dense_.T, 0.0, 1.0)
        # Every signal is computed whatever the fusion weights: the calibrated layer reads them all.
        for i, text in enumerate(texts):
            haystack = normalize(text.full())
            for j, pattern in enumerate(self.terms_):
                if pattern is not None:
                    hits = len(set(pattern.findall(haystack)))
                    out["keyword"][i, j] = min(1.0, hits / 3.0)
        return out

    def scores(self, texts: Sequence[CourseText], query_vectors: np.ndarray | None = None) -> np.ndarray:
        return fuse(self.components(texts, query_vectors), self.weights)

    def predict(
        self,
        texts: Sequence[CourseText],
        *,
        top_k: int = 3,
        min_score: float = 0.0,
        query_vectors: np.ndarray | None = None,
    ) -> list[list[SkillGuess]]:
        """Best items first; ties broken by the standard's order, so the result is deterministic."""
        matrix = self.scores(texts, query_vectors)
        out = []
        for i, text in enumerate(texts):
            level = estimate_level(text)
            order = sorted(range(len(self.codes_)), key=lambda j: (-matrix[i, j], j))[:top_k]
            out.append(
                [
                    SkillGuess(self.codes_[j], round(float(matrix[i, j]), 4), level)
                    for j in order
                    if matrix[i, j] > min_score
                ]
            )
        return out

    def evidence(self, texts: Sequence[CourseText], codes: Sequence[Sequence[str]]) -> list[list[tuple[str, ...]]]:
        """For each text and each of its codes, the sentence(s) of the text that support the item: the
        sentences naming the item's curated terms, else the sentence closest to the item's description
        (sparse cosine), at most MAX_EVIDENCE, in text order.  Uses the sparse and keyword signals only
        (cheap: no model call per sentence)."""
        column = {code: j for j, code in enumerate(self.codes_)}
        out: list[list[tuple[str, ...]]] = []
        for text, wanted in zip(texts, codes, strict=True):
            if not wanted:
                out.append([])
                continue
            parts = sentences(text)
            if not parts:
                out.append([() for _ in wanted])
                continue
            similarity = (self.sparse_.transform(parts) @ self.doc_sparse_.T).toarray()
            normalized = [normalize(p) for p in parts]
            found = []
            for code in wanted:
                j = column[code]
                pattern = self.terms_[j]
                hits = [len(set(pattern.findall(sentence))) if pattern is not None else 0 for sentence in normalized]
                ranked = sorted(range(len(parts)), key=lambda i: (-hits[i], -similarity[i, j], i))
                if hits[ranked[0]] > 0:  # the sentences that name the item's terms
                    keep = [i for i in ranked[:MAX_EVIDENCE] if hits[i] > 0]
                else:  # none names it: only the closest sentence, if it shares anything
                    keep = [i for i in ranked[:1] if similarity[i, j] > 0]
                out_code = tuple(parts[i] for i in sorted(keep))
                found.append(out_code)
            out.append(found)
        return out
