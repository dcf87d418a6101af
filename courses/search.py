"""Catalog text search that understands Japanese (issue 21); plain Python, no Django.

Text is normalised (NFKC, lower case, hiragana to katakana, spaces collapsed), split into words
by MeCab (fugashi with the unidic-lite dictionary: both from PyPI), and every word is indexed
under its surface and its dictionary lemma (セキュリテイ and セキュリティ share the lemma
セキュリティー). A query becomes concepts (one per word, or per phrase of the synonym list);
a concept matches through its spellings, its synonyms, the courses tagged with a DSS skill item
whose curated vocabulary names it, or, for a word the catalog never uses, the catalog words
closest to it by character-bigram similarity (typo tolerance). The index is built once per
catalog state by the caller and kept in memory, so a request only looks words up.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
VOCABULARY = Path(__file__).resolve().parent.parent / "recommender" / "data" / "skill_vocabulary.json"

STOP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白"}
STOP_WORDS = {
    "the", "a", "an", "of", "and", "or", "for", "to", "in", "with", "on", "from", "by", "your", "you",
    "how", "what", "is", "are", "at", "as", "it", "this", "that", "be", "can",
}  # fmt: skip
TITLE_WEIGHT = 3.0
TAG_WEIGHT = 1.5
TEXT_WEIGHT = 1.0
CODE_EXACT = 1000.0  # a course whose code is the whole query ranks above every word match
CODE_PART = 100.0  # a code containing the query (a prefix or a piece of it) ranks above the word matches too
CODE_PART_MIN = 3  # letters and digits a query needs before it is looked for inside codes
FUZZY_MIN = 0.5  # Dice similarity of character bigrams for a typo to stand in for a catalog word
SUGGEST_MIN = 0.34
_SPACES = re.compile(r"\s+")
_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff70]")  # hyphens, dashes, minus, long vowel marks
_CODE_LIKE = re.compile(r"[0-9a-z]+(?:[-_./][0-9a-z]+)*[-_./]?")


def normalize(text: str) -> str:
    """NFKC (full-width ＤＸ and half-width ｶﾅ and the ideographic space become DX, カナ, ' '),
    lower case, runs of spaces as one. Kana stay as written: MeCab needs them to split words."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def code_key(text: str) -> str:
    """A course code as it is looked up: NFKC (ＤＳＤ－ＡＩ－２２０ is DSD-AI-220), lower case, letters and
    digits only (dsd-ai-220, DSD AI 220 and dsdai220 are one key)."""
    return re.sub(r"[^0-9a-z]", "", _DASHES.sub("-", normalize(text)))


def code_query(query: str) -> str:
    """The code key of a query that looks like a course code (ASCII letters and digits joined by - _ . /, with
    a digit or a separator: DSD-AI-220, dsd-ai, ai220), else "" (a plain word such as SQL is not a code)."""
    text = _DASHES.sub("-", normalize(query))
    if not _CODE_LIKE.fullmatch(text) or not (any(c.isdigit() for c in text) or any(c in "-_./" for c in text)):
        return ""
    return code_key(text)


def fold(text: str) -> str:
    """Hiragana as katakana (one character for one), so ぱいそん and パイソン are one key."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _all_hiragana(text: str) -> bool:
    return bool(text) and all("ぁ" <= c <= "ゖ" or c in "ー " for c in text)


def _key(word: str) -> str:
    """The index key of a normalised word: kana folded; a katakana word loses its final long-vowel mark."""
    word = fold(word)
    if len(word) > 3 and word.endswith("ー"):
        word = word[:-1]
    if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


@lru_cache(maxsize=1)
def _tagger() -> Any:
    import fugashi  # type: ignore[import-untyped]

    return fugashi.Tagger()


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    keys: frozenset[str]


def tokenize(text: str) -> list[Token]:
    """Content words of already normalised text with their offsets and index keys."""
    tokens: list[Token] = []
    pos = 0
    for word in _tagger()(text):
        surface = word.surface
        start = text.find(surface, pos)
        if start < 0:
            continue
        pos = start + len(surface)
        feature = word.feature
        if getattr(feature, "pos1", None) in STOP_POS or surface in STOP_WORDS:
            continue
        if not any(ch.isalnum() for ch in surface):
            continue
        if len(surface) == 1 and "ァ" <= surface <= "ヶ":
            continue
        keys = {_key(surface)}
        lemma = getattr(feature, "lemma", None)
        if lemma:
            base = normalize(lemma.split("-", 1)[0])
            if base and base != surface:
                keys.add(_key(base))
        tokens.append(Token(start, pos, frozenset(keys)))
    return tokens


def word_keys(text: str) -> list[frozenset[str]]:
    return [t.keys for t in tokenize(normalize(text))]


def _compact(text: str) -> str:
    return fold(normalize(text)).replace(" ", "")


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each spelling (compacted) -> every spelling of its group."""
    groups = json.loads((DATA / "search_synonyms.json").read_text("utf-8"))["groups"]
    out: dict[str, tuple[str, ...]] = {}
    for group in groups:
        spellings = tuple(normalize(s) for s in group)
        for s in spellings:
            out[_compact(s)] = spellings
    return out


@lru_cache(maxsize=1)
def vocabulary_items() -> dict[str, frozenset[str]]:
    """DSS vocabulary term (compacted) -> skill item codes whose curated terms include it."""
    data = json.loads(VOCABULARY.read_text("utf-8"))
    out: dict[str, set[str]] = defaultdict(set)
    for code, langs in data.get("skills", {}).items():
        for terms in langs.values():
            for term in terms:
                out[_compact(term)].add(code)
    return {k: frozenset(v) for k, v in out.items()}


def bigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass
class IndexedCourse:
    pk: int
    title: str
    text: str
    tags: frozenset[str]
    code: str = ""


@dataclass
class Concept:
    """One idea of the query: it matches when any variant's keys are all in the course."""

    label: str
    variants: list[tuple[str, ...]]
    items: frozenset[str] = frozenset()
    fuzzy: bool = False


@dataclass
class SearchIndex:
    postings: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    by_item: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    grams: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    codes: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # code_key -> course ids
    size: int = 0
    # per-index memo of parsed queries and of tokenised snippet texts (bounded; the index lives per catalog state)
    _concepts: dict[str, list[Concept]] = field(default_factory=dict)
    _tokens: dict[str, list[Token]] = field(default_factory=dict)

    @classmethod
    def build(cls, courses: Iterable[IndexedCourse]) -> SearchIndex:
        index = cls()
        for course in courses:
            index.size += 1
            weights: dict[str, float] = {}
            for text, weight in ((course.title, TITLE_WEIGHT), (course.text, TEXT_WEIGHT)):
                for keys in word_keys(text):
                    for key in keys:
                        weights[key] = weights.get(key, 0.0) + weight
            for key, w in weights.items():
                index.postings[key][course.pk] = w
            for code in course.tags:
                index.by_item[code].add(course.pk)
            if course.code and code_key(course.code):
                index.codes[code_key(course.code)].add(course.pk)
        for key in index.postings:
            for gram in bigrams(key):
                index.grams[gram].add(key)
        return index

    def idf(self, key: str) -> float:
        return math.log(1 + self.size / (1 + len(self.postings.get(key, ()))))

    def closest(self, word: str, minimum: float, limit: int = 3) -> list[tuple[float, str]]:
        """Catalog words within `minimum` bigram similarity of `word`, best first."""
        shared: Counter[str] = Counter()
        for gram in bigrams(word):
            shared.update(self.grams.get(gram, ()))
        scored = []
        for key, _n in shared.most_common(200):
            if key == word or len(key) < 2:
                continue
            s = similarity(word, key)
            if s >= minimum:
                scored.append((s, len(self.postings[key]), key))
        scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
        return [(s, k) for s, _df, k in scored[:limit]]

    # --- queries -------------------------------------------------------------------

    def concepts(self, query: str) -> list[Concept]:
        """Split a query into concepts: synonym phrases first (longest), then single words."""
        if query not in self._concepts:
            if len(self._concepts) > 2000:
                self._concepts.clear()
            self._concepts[query] = self._parse(query)
        return self._concepts[query]

    def tokens(self, text: str) -> list[Token]:
        """tokenize(text), remembered (snippets show the same descriptions again and again)."""
        if text not in self._tokens:
            if len(self._tokens) > 20000:
                self._tokens.clear()
            self._tokens[text] = tokenize(text)
        return self._tokens[text]

    def _parse(self, query: str) -> list[Concept]:
        text = normalize(query)
        if not text:
            return []
        if _all_hiragana(text):  # MeCab splits unknown hiragana badly; as katakana it is one word
            text = fold(text)
        synonyms = synonym_groups()
        whole = _compact(text)
        if whole in synonyms or whole in vocabulary_items():
            return [self._concept(text, synonyms.get(whole, (text,)))]
        tokens = tokenize(text)
        concepts: list[Concept] = []
        i = 0
        while i < len(tokens):
            for j in range(len(tokens), i, -1):
                phrase = text[tokens[i].start : tokens[j - 1].end]
                compact = _compact(phrase)
                if j - i > 1 and (compact in synonyms or compact in vocabulary_items()):
                    concepts.append(self._concept(phrase, synonyms.get(compact, (phrase,))))
                    i = j
                    break
            else:
                token = tokens[i]
                surface = text[token.start : token.end]
                concepts.append(self._concept(surface, synonyms.get(_compact(surface), (surface,)), token.keys))
                i += 1
        return concepts

    def _concept(self, label: str, spellings: tuple[str, ...], keys: frozenset[str] = frozenset()) -> Concept:
        variants: set[tuple[str, ...]] = {(k,) for k in keys}
        for spelling in spellings:
            words = [t.keys for t in tokenize(spelling)]
            if not words:
                continue
            # each word by its first (surface) key; a one-word spelling by any of its keys
            if len(words) == 1:
                variants.update((k,) for k in words[0])
            else:
                variants.add(tuple(sorted(min(w, key=len) for w in words)))
        items = frozenset().union(*(vocabulary_items().get(_compact(s), frozenset()) for s in spellings))
        concept = Concept(label=label, variants=sorted(variants), items=items)
        known = any(all(k in self.postings for k in v) for v in concept.variants)
        if not known and not items:
            found = self.closest(_key(label.replace(" ", "")), FUZZY_MIN)
            close = [(k,) for s, k in found if s >= found[0][0] - 0.1]
            if close:
                concept.variants = sorted(set(concept.variants) | set(close))
                concept.fuzzy = True
        return concept

    def _concept_scores(self, concept: Concept) -> dict[int, float]:
        scores: dict[int, float] = {}
        for variant in concept.variants:
            lists = [self.postings.get(k) for k in variant]
            if not all(lists):
                continue
            common = set.intersection(*(set(p) for p in lists if p))
            for pk in common:
                s = sum(self.idf(k) * math.log1p(self.postings[k][pk]) for k in variant) / len(variant)
                if concept.fuzzy and variant[0] != _key(concept.label):
                    s *= 0.8
                if s > scores.get(pk, 0.0):
                    scores[pk] = s
        for code in concept.items:
            for pk in self.by_item.get(code, ()):
                scores[pk] = scores.get(pk, 0.0) + 0.5
        return scores

    def code_scores(self, query: str) -> dict[int, float]:
        """Courses found by their code: the code equal to the query (CODE_EXACT), or containing it (CODE_PART,
        more for a larger part of the code and for a prefix), for a query that looks like a code."""
        key = code_query(query)
        if not key:
            return {}
        scores = dict.fromkeys(self.codes.get(key, ()), CODE_EXACT)
        if len(key) >= CODE_PART_MIN:
            for code, pks in self.codes.items():
                if code != key and key in code:
                    part = CODE_PART + 10 * len(key) / len(code) + (5 if code.startswith(key) else 0)
                    scores.update(dict.fromkeys(pks, part))
        return scores

    def search(self, query: str) -> dict[int, float]:
        """Course id -> score, for the courses that match every concept of the query, and those whose code
        is (or contains) the query, ranked first."""
        found = self.code_scores(query)
        concepts = self.concepts(query)
        if not concepts:
            return found
        per = [self._concept_scores(c) for c in concepts]
        common = set(per[0]).intersection(*per[1:])
        words = {pk: round(sum(s[pk] for s in per), 6) for pk in common}
        for pk, score in found.items():
            words[pk] = round(score + words.get(pk, 0.0), 6)
        return words

    def match_keys(self, query: str) -> set[str]:
        """Every index key a query can match through (for highlighting)."""
        return {k for c in self.concepts(query) for v in c.variants for k in v}

    def suggestions(self, query: str, limit: int = 3) -> list[str]:
        """Queries that find courses, for a query that found none: a word the catalog lacks
        replaced by the catalog words closest to it, or left out."""
        concepts = self.concepts(query)
        out: list[str] = []
        for concept in concepts:
            if self._concept_scores(concept):
                continue
            others = [c.label for c in concepts if c is not concept]
            for _s, key in self.closest(_key(concept.label.replace(" ", "")), SUGGEST_MIN, 2 * limit):
                candidate = " ".join([*others, key])
                if candidate not in out and self.search(candidate):
                    out.append(candidate)
            if others and " ".join(others) not in out and self.search(" ".join(others)):
                out.append(" ".join(others))
        return out[:limit]


def snippet(
    text: str, keys: set[str], width: int = 110, tokens: Callable[[str], list[Token]] = tokenize
) -> list[tuple[str, bool]]:
    """A window of `text` (normalised, kana as written) around its first matching word, as (piece, is_hit)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    lowered = text.lower()
    words = tokens(lowered if len(lowered) == len(text) else text)
    hits = [(t.start, t.end) for t in words if t.keys & keys]
    if not hits:
        return [(text[:width] + ("…" if len(text) > width else ""), False)] if text else []
    begin = max(0, hits[0][0] - width // 4)
    end = min(len(text), begin + width)
    out: list[tuple[str, bool]] = [("…", False)] if begin else []
    cursor = begin
    for start, stop in hits:
        if start < cursor or stop > end:
            continue
        if start > cursor:
            out.append((text[cursor:start], False))
        if out and out[-1][1] and start == cursor:  # ディープ + ラーニング: one mark
            out[-1] = (out[-1][0] + text[start:stop], True)
        else:
            out.append((text[start:stop], True))
        cursor = stop
    if cursor < end:
        out.append((text[cursor:end], False))
    if end < len(text):
        out.append(("…", False))
    return out
