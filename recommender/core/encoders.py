"""Text encoders behind one small interface.

- `SentenceTransformerEncoder`: dense vectors from a sentence-transformers model loaded from a
  local directory (offline, CPU, batched, L2-normalised), with optional query/passage prefixes
  (multilingual E5 needs "query: " / "passage: ").
- `TfidfEncoder`: sparse vectors from scikit-learn TF-IDF over character n-grams (Japanese needs no
  word segmenter) plus word n-grams (English), L2-normalised.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    ) -> None:
        self.model_path = Path(model_path)
        self.english_only = english_only
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.device = device
        self.setting_name = setting_name
        self.name = f"st:{self.model_path.parent.name}/{self.model_path.name}@{model_fingerprint(self.model_path)}"
        self._model: Any = None

    def check(self) -> None:
        """Fail early, naming the setting, when the model directory is not there."""
        if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
            raise EncoderUnavailable(
                f"{self.setting_name}: no sentence-transformers model at {self.model_path} "
                "(expected a directory with modules.json or config.json)"
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
        vectors = self.model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)


# Words keep their programming punctuation: c++, c#, node.js, scikit-learn.
WORD_TOKENS = r"(?u)\b[\w\-\+\.#]+\b"


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
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        normalized = [normalize(t) for t in texts]
        stacked = sparse.hstack([self.char_.transform(normalized), self.word_.transform(normalized)]).tocsr()
        return l2_normalize(stacked)

    def encode_queries(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.transform(texts)

    def encode_passages(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.transform(texts)
