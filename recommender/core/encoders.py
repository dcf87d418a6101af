"""Text encoders behind one small interface.

- `SentenceTransformerEncoder`: dense vectors from a sentence-transformers model loaded from a
  local directory (offline, CPU, batched, L2-normalised), with optional query/passage prefixes
  (multilingual E5 needs "query: " / "passage: ").
- `TfidfEncoder`: sparse vectors from scikit-learn TF-IDF over character n-grams (Japanese needs no
  word segmenter) plus word n-grams (English), L2-normalised; the character n-grams of `transform` are
  counted with numpy (`_CharWbCounter`, scikit-learn's matrix exactly, several times faster).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from recommender.core.text import normalize


class EncoderUnavailable(RuntimeError):
    """The configured model cannot be loaded (missing directory, bad files)."""


class Encoder(Protocol):
    """`name` identifies the model (stored vectors are keyed by it). An encoder may also carry
    `english_only = False` (a multilingual model), `query_prefix` and `passage_prefix`."""

    name: str

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def model_fingerprint(path: Path) -> str:
    """A short id of a model directory's contents (file names and sizes, and the configuration files'
    bytes), so stored vectors are never reused across two different models in same-named folders."""
    import hashlib

    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{file.relative_to(path)}:{file.stat().st_size}\n".encode())
            if file.suffix == ".json" and file.stat().st_size < 1_000_000:
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


_VECTOR_CACHE: dict[str, dict[str, np.ndarray]] = {}


class SentenceTransformerEncoder:
    """Dense encoder; the model loads once, on first use."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 64,
        device: str = "cpu",
        setting_name: str = "RECOMMENDER_MODEL",
        english_only: bool = True,
        missing_hint: str = "",
        cache_size: int = 4096,
    ) -> None:
        self.model_path = Path(model_path)
        self.missing_hint = missing_hint
        # Recently encoded (prefix + text) -> vector, per model and shared by the encoders of one process:
        # evaluation and re-tagging encode the same texts again.
        self.cache_size = cache_size
        self.english_only = english_only
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.device = device
        self.setting_name = setting_name
        self.name = f"st:{self.model_path.parent.name}/{self.model_path.name}@{model_fingerprint(self.model_path)}"
        self._model: Any = None
        self._cache = _VECTOR_CACHE.setdefault(self.name, {})

    def check(self) -> None:
        """Fail early, naming the setting, when the model directory is not there."""
        if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
            raise EncoderUnavailable(
                f"{self.setting_name}: no sentence-transformers model at {self.model_path} "
                "(expected a directory with modules.json or config.json)"
                + (f"; {self.missing_hint}" if self.missing_hint else "")
            )

    @property
    def model(self) -> Any:
        if self._model is None:
            self.check()
            import os

            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(str(self.model_path), device=self.device)
            except Exception as exc:  # any loading failure is reported with the setting's name
                raise EncoderUnavailable(f"{self.setting_name}: cannot load {self.model_path}: {exc}") from exc
        return self._model

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [prefix + t for t in texts]
        found = {k: self._cache[k] for k in keys if k in self._cache}
        todo = sorted({k for k in keys if k not in found})
        if todo:
            vectors = np.asarray(
                self.model.encode(
                    todo,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                ),
                dtype=np.float32,
            )
            found.update(zip(todo, vectors, strict=True))
            if len(self._cache) + len(todo) > self.cache_size:
                self._cache.clear()
            if len(todo) <= self.cache_size:
                self._cache.update(zip(todo, vectors, strict=True))
        return np.stack([found[k] for k in keys])

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)


# Words keep their programming punctuation: c++, c#, node.js, scikit-learn.
WORD_TOKENS = r"(?u)\b[\w\-\+\.#]+\b"


class _CharWbCounter:
    """scikit-learn's `char_wb` n-gram counts for a fitted vocabulary, vectorised with numpy.

    scikit-learn pads each whitespace-separated word with one space on each side and cuts n-grams inside
    the padded word (`_char_wb_ngrams`).  Here the words of every document are laid end to end with one
    space between them (" w1 w2 ... wk "): a window of that string is an n-gram of a padded word exactly
    when no space sits strictly inside it, and it belongs to the word (so the document) of its first
    character, a leading space counting as the next word's.  A padded word has at least 3 characters, so
    scikit-learn's short-word rule (a word shorter than n is counted once, whole, and ends the word)
    matches "only windows that fit" unless the smallest n is above 3; and n = 1 would count the shared
    spaces once instead of twice.  Both cases stay on scikit-learn (`build` returns None).

    A character is its id in the vocabulary's alphabet (1..A; 0 for any other character, which no
    vocabulary n-gram contains) and an n-gram one int64 key of `bits` bits per character, left-aligned to
    `max_n` characters: ids start at 1, so keys of different lengths differ, and keys sort like the terms
    (the vocabulary's column order)."""

    def __init__(
        self,
        vectorizer: TfidfVectorizer,
        alphabet: list[str],
        bits: int,
    ) -> None:
        self.ngrams: tuple[int, int] = vectorizer.ngram_range
        self.bits = bits
        self.key_bits = bits * self.ngrams[1]
        self.preprocess: Callable[[str], str] = vectorizer.build_preprocessor()
        codes = np.array([ord(ch) for ch in alphabet], dtype=np.int64)
        self.ids = np.zeros(int(codes.max()) + 2, dtype=np.int64)  # the last entry (0) takes every larger code
        self.ids[codes] = np.arange(1, len(alphabet) + 1)
        position = {ch: i for i, ch in enumerate(alphabet, 1)}
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.n_features = len(vocabulary)
        keys = np.empty(self.n_features, dtype=np.int64)
        features = np.empty(self.n_features, dtype=np.int64)
        for row, (term, feature) in enumerate(vocabulary.items()):
            key = 0
            for ch in term:
                key = (key << bits) | position[ch]
            keys[row], features[row] = key << (bits * (self.ngrams[1] - len(term))), feature
        order = np.argsort(keys)
        self.keys, self.features = keys[order], features[order]

    @classmethod
    def build(cls, vectorizer: TfidfVectorizer) -> _CharWbCounter | None:
        """The counter for a fitted `char_wb` vectorizer, or None where only scikit-learn is exact."""
        min_n, max_n = vectorizer.ngram_range
        alphabet = sorted({ch for term in vectorizer.vocabulary_ for ch in term})
        bits = len(alphabet).bit_length()
        if vectorizer.analyzer != "char_wb" or not 2 <= min_n <= 3 or not alphabet or bits * max_n > 62:
            return None
        return cls(vectorizer, alphabet, bits)

    def counts(self, docs: Sequence[str], chunk: int | None = None) -> sparse.csr_matrix:
        """Term counts, shape (documents, features), sorted indices: `CountVectorizer.transform`'s matrix.

        Documents go in chunks small enough for (key, document) to fit one int64 (`chunk` forces a size)."""
        chunk = chunk or 1 << min(24, 63 - self.key_bits)
        parts = [self._cells(docs[start : start + chunk], start) for start in range(0, len(docs), chunk)]
        rows, columns, counts = (np.concatenate([p[i] for p in parts] or [np.zeros(0, np.int64)]) for i in range(3))
        # COO -> CSR keeps each row's entries in key order, which is column order for a fitted vocabulary.
        matrix = sparse.csr_matrix(
            (counts.astype(np.float64), (rows, columns)), shape=(len(docs), self.n_features), dtype=np.float64
        )
        matrix.sort_indices()
        return matrix

    def _cells(self, docs: Sequence[str], first_row: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, count) of every non-zero count of `docs` (rows from `first_row`), by key then row."""
        min_n, max_n = self.ngrams
        # str.split() and the vectorizer's r"\s\s+" collapsing agree on what whitespace is.
        pieces = [" " + " ".join(words) if (words := self.preprocess(doc).split()) else "" for doc in docs]
        joined = "".join(pieces) + " "
        # "surrogatepass": a lone surrogate (text that is not valid Unicode) is one code like any other
        # character outside the alphabet, as scikit-learn treats it, instead of an UnicodeEncodeError.
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        chars = self.ids[np.minimum(codes, len(self.ids) - 1)]
        known = chars != 0
        space = codes == ord(" ")
        owner = np.repeat(np.arange(len(docs), dtype=np.int64), [len(p) for p in pieces])  # document of each start
        doc_bits = max(1, (len(docs) - 1).bit_length())
        key, clean = chars, known
        found = []
        for n in range(2, max_n + 1):
            key = (key[:-1] << self.bits) | chars[n - 1 :]
            clean = clean[:-1] & known[n - 1 :]  # no character outside the alphabet
            if n >= 3:
                # No space inside: such a window matches no char_wb term anyway, but it is not an n-gram.
                clean &= ~space[n - 2 : len(space) - 1]
            if n >= min_n:
                starts = np.flatnonzero(clean)
                found.append((key[starts] << (self.bits * (max_n - n) + doc_bits)) | owner[starts])
        cells = np.sort(np.concatenate(found))
        first = np.flatnonzero(np.diff(cells, prepend=-1))  # each distinct (key, document)
        counts = np.diff(first, append=len(cells))
        cells = cells[first]
        keys = cells >> doc_bits
        new_key = np.diff(keys, prepend=-1) != 0
        distinct = keys[new_key]  # sorted: one search per distinct key, the fast way for np.searchsorted
        slot = np.minimum(np.searchsorted(self.keys, distinct), len(self.keys) - 1)
        group = np.cumsum(new_key) - 1
        hit = (self.keys[slot] == distinct)[group]
        rows = (cells[hit] & ((1 << doc_bits) - 1)) + first_row
        return rows, self.features[slot[group[hit]]], counts[hit]


def _tfidf_weights(counts: sparse.csr_matrix, vectorizer: TfidfVectorizer) -> sparse.csr_matrix:
    """What `TfidfTransformer.transform` does to a float64 count matrix (in place), with the vectorizer's settings."""
    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vectorizer.use_idf:
        counts.data *= vectorizer.idf_[counts.indices]
    if vectorizer.norm is not None:
        counts = l2_normalize(counts, norm=vectorizer.norm, copy=False)
    return counts


class TfidfEncoder:
    """Character 2-4-grams (within word boundaries) and word 1-2-grams, fitted on a corpus."""

    name = "tfidf:char2-4+word1-2"

    def __init__(self, *, char_ngrams: tuple[int, int] = (2, 4), word_ngrams: tuple[int, int] = (1, 2)) -> None:
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams

    def fit(self, corpus: Sequence[str]) -> TfidfEncoder:
        texts = [normalize(t) for t in corpus]
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams, sublinear_tf=True, min_df=1)
        self.word_ = TfidfVectorizer(
            analyzer="word",
            ngram_range=self.word_ngrams,
            sublinear_tf=True,
            token_pattern=WORD_TOKENS,
        )
        self.char_.fit(texts)
        self.word_.fit(texts)
        self.char_counter_ = _CharWbCounter.build(self.char_)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        normalized = [normalize(t) for t in texts]
        stacked = sparse.hstack([self.char_matrix(normalized), self.word_.transform(normalized)]).tocsr()
        return l2_normalize(stacked)

    def char_matrix(self, normalized: Sequence[str]) -> sparse.csr_matrix:
        """`self.char_.transform(normalized)`, the same matrix several times faster (numpy n-gram counting)."""
        if self.char_counter_ is None:
            return self.char_.transform(normalized)
        return _tfidf_weights(self.char_counter_.counts(normalized), self.char_)

    def encode_queries(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.transform(texts)

    def encode_passages(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.transform(texts)
