"""A synthetic national population, generated column by column with numpy (plain Python, no Django).

`generate_population` (portal.population_load) writes what this produces.  The same seed gives the
same people, organizations, assessments, enrollments and events: every chunk of learners draws from
its own generator seeded with (seed, chunk number), so a chunk does not depend on the ones before it.

Weights are rough public figures, good enough to make tables and queries look like Japan's:
prefectures by labour force (2020 census, thousands of people), industries by employment
(Labour Force Survey 2023, JSIC divisions, per mille), company sizes by employees.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

# 2020 population (thousands) by JIS prefecture code 01..47: a proxy for where people work.
PREFECTURE_WEIGHTS: dict[str, int] = {
    "01": 5225, "02": 1238, "03": 1211, "04": 2302, "05": 960, "06": 1068, "07": 1833, "08": 2867,
    "09": 1933, "10": 1939, "11": 7345, "12": 6284, "13": 14047, "14": 9237, "15": 2201, "16": 1035,
    "17": 1133, "18": 767, "19": 810, "20": 2048, "21": 1979, "22": 3633, "23": 7542, "24": 1770,
    "25": 1414, "26": 2578, "27": 8838, "28": 5465, "29": 1324, "30": 922, "31": 553, "32": 671,
    "33": 1888, "34": 2800, "35": 1342, "36": 720, "37": 950, "38": 1335, "39": 692, "40": 5135,
    "41": 811, "42": 1312, "43": 1738, "44": 1124, "45": 1070, "46": 1588, "47": 1467,
}  # fmt: skip

# Employment by JSIC division, per mille (roughly the Labour Force Survey).
INDUSTRY_WEIGHTS: dict[str, int] = {
    "A": 28, "B": 2, "C": 1, "D": 72, "E": 155, "F": 5, "G": 42, "H": 52, "I": 156, "J": 24,
    "K": 21, "L": 37, "M": 58, "N": 34, "O": 52, "P": 136, "Q": 7, "R": 68, "S": 38, "T": 11,
}  # fmt: skip

# Share of employees by company size band, and how many organizations of each band a sample holds.
SIZE_BANDS: tuple[str, ...] = ("1-20", "21-100", "101-300", "301-1000", "1001+")
SIZE_EMPLOYEE_SHARE: tuple[float, ...] = (0.18, 0.20, 0.15, 0.14, 0.33)
SIZE_ORG_SHARE: tuple[float, ...] = (0.55, 0.27, 0.10, 0.05, 0.03)

# People aiming at each DSS-P role (business architects and data people most often).
ROLE_WEIGHTS: dict[str, int] = {
    "BA_NEW": 7, "BA_EXIST": 12, "BA_INTERNAL": 9, "DES_SERVICE": 4, "DES_UXUI": 5, "DES_GRAPHIC": 3,
    "DS_STRATEGIST": 6, "DS_PRO": 9, "DS_ENGINEER": 8, "SE_FRONTEND": 6, "SE_BACKEND": 8,
    "SE_CLOUD_SRE": 6, "SE_PHYSICAL": 3, "CS_MANAGER": 5, "CS_ENGINEER": 6,
}  # fmt: skip

# Activity grows year on year toward the FY2026 target (share of enrollments starting in each FY).
FISCAL_YEAR_ACTIVITY: dict[int, float] = {2022: 0.10, 2023: 0.16, 2024: 0.22, 2025: 0.27, 2026: 0.25}

EMPLOYED_SHARE = 0.88
WITH_TARGET_ROLE_SHARE = 0.76
CHUNK_LEARNERS = 50_000
SOURCE = "generate_population"
EPOCH = np.datetime64("1970-01-01T00:00:00", "s")


@dataclass(frozen=True)
class Spec:
    learners: int
    events: int
    orgs: int
    seed: int
    until: datetime = datetime(2026, 10, 31, 23, 59, tzinfo=UTC)  # "as of": events stop here

    def chunks(self) -> list[tuple[int, int, int]]:
        """(chunk number, first learner index, learner count); events per chunk by `event_quota`."""
        return [
            (n, start, min(CHUNK_LEARNERS, self.learners - start))
            for n, start in enumerate(range(0, self.learners, CHUNK_LEARNERS))
        ]

    def event_quota(self, start: int, count: int) -> int:
        """Events for learners [start, start+count): exact shares that add up to `events`."""
        return self.events * (start + count) // self.learners - self.events * start // self.learners


@dataclass(frozen=True)
class Catalog:
    """What generation needs from the database: ids and a few facts, in a fixed order."""

    course_ids: np.ndarray  # int64
    course_hours: np.ndarray  # float
    course_tags: dict[int, list[tuple[int, int]]]  # course id -> [(skill item id, level)]
    role_ids: np.ndarray
    role_weights: np.ndarray
    skill_item_ids: np.ndarray


@dataclass
class Organizations:
    ids: np.ndarray
    prefecture: np.ndarray  # str codes
    industry: np.ndarray
    size_band: np.ndarray
    weight: np.ndarray  # share of the employed people working there
    admin_user_ids: np.ndarray
    names: list[str] = field(default_factory=list)
    corporate_numbers: list[str] = field(default_factory=list)


def _probabilities(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return p / p.sum()


def organizations(spec: Spec, first_id: int, first_admin_user_id: int) -> Organizations:
    """K organizations with size bands, places and industries; one admin account each."""
    rng = np.random.default_rng([spec.seed, 1_000_003])
    k = spec.orgs
    bands = rng.choice(len(SIZE_BANDS), size=k, p=_probabilities(SIZE_ORG_SHARE))
    # Within the employed, a band's people split evenly over that band's organizations (plus noise).
    counts = np.bincount(bands, minlength=len(SIZE_BANDS)).astype(np.float64)
    per_org = np.array(SIZE_EMPLOYEE_SHARE)[bands] / np.maximum(counts[bands], 1)
    weight = per_org * rng.lognormal(0.0, 0.4, size=k)
    prefectures = np.array(list(PREFECTURE_WEIGHTS))
    industries = np.array(list(INDUSTRY_WEIGHTS))
    prefecture = prefectures[rng.choice(len(prefectures), size=k, p=_probabilities(list(PREFECTURE_WEIGHTS.values())))]
    industry = industries[rng.choice(len(industries), size=k, p=_probabilities(list(INDUSTRY_WEIGHTS.values())))]
    numbers = rng.integers(10**12, 10**13, size=k)
    return Organizations(
        ids=np.arange(first_id, first_id + k, dtype=np.int64),
        prefecture=prefecture,
        industry=industry,
        size_band=np.array(SIZE_BANDS)[bands],
        weight=weight / weight.sum(),
        admin_user_ids=np.arange(first_admin_user_id, first_admin_user_id + k, dtype=np.int64),
        names=[f"合成企業{spec.seed}-{i + 1:06d}" for i in range(k)],
        corporate_numbers=[str(n) for n in numbers],
    )


def _moments(rng: np.random.Generator, size: int, until: np.datetime64) -> np.ndarray:
    """Times (seconds, datetime64) spread over FY2022..FY2026 by FISCAL_YEAR_ACTIVITY, before `until`."""
    years = np.array(list(FISCAL_YEAR_ACTIVITY))
    fy = years[rng.choice(len(years), size=size, p=_probabilities(list(FISCAL_YEAR_ACTIVITY.values())))]
    starts = np.array([np.datetime64(f"{y}-04-01T00:00:00", "s") for y in years])
    index = fy - years[0]
    begin = starts[index]
    end = np.minimum(begin + np.timedelta64(365 * 86400, "s"), until)
    span = (end - begin).astype(np.int64)
    offset = (rng.random(size) * span).astype(np.int64)
    return begin + offset.astype("timedelta64[s]")


@dataclass
class Chunk:
    """Rows for one chunk of learners, as columns (numpy arrays or constants) per table."""

    users: dict[str, np.ndarray]
    profiles: dict[str, np.ndarray]
    memberships: dict[str, np.ndarray]
    assessments: dict[str, np.ndarray]
    enrollments: dict[str, np.ndarray]
    events: dict[str, np.ndarray]


@dataclass
class Ids:
    """Next free primary keys per table (the loader reserves them)."""

    user: int
    profile: int
    membership: int
    assessment: int
    enrollment: int
    event: int


def payload_hash(learner_id: int, course_id: int, kind: str, percent: int | None, occurred_iso: str) -> str:
    """Same as learners.services._payload_hash for an event with source SOURCE."""
    canonical = json.dumps([learner_id, course_id, kind, percent, occurred_iso, SOURCE], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def chunk(spec: Spec, number: int, start: int, count: int, catalog: Catalog, orgs: Organizations, ids: Ids) -> Chunk:
    """Learners [start, start+count) with their assessments, enrollments and exactly the chunk's events."""
    rng = np.random.default_rng([spec.seed, number])
    until = np.datetime64(spec.until.replace(tzinfo=None), "s")
    n = count
    user_ids = np.arange(ids.user, ids.user + n, dtype=np.int64)
    profile_ids = np.arange(ids.profile, ids.profile + n, dtype=np.int64)

    # Where people work: most through an organization, whose place and industry they share.
    employed = rng.random(n) < EMPLOYED_SHARE if len(orgs.ids) else np.zeros(n, dtype=bool)
    org_index = rng.choice(len(orgs.ids), size=n, p=orgs.weight) if len(orgs.ids) else np.zeros(n, dtype=np.int64)
    prefectures = np.array(list(PREFECTURE_WEIGHTS))
    industries = np.array(list(INDUSTRY_WEIGHTS))
    own_prefecture = prefectures[rng.choice(47, size=n, p=_probabilities(list(PREFECTURE_WEIGHTS.values())))]
    own_industry = industries[rng.choice(len(industries), size=n, p=_probabilities(list(INDUSTRY_WEIGHTS.values())))]
    prefecture = np.where(employed, orgs.prefecture[org_index] if len(orgs.ids) else own_prefecture, own_prefecture)
    industry = np.where(employed, orgs.industry[org_index] if len(orgs.ids) else own_industry, own_industry)
    # Some people moved or commute: 6% live in another prefecture; 2% did not say where.
    moved = rng.random(n) < 0.06
    prefecture = np.where(moved, own_prefecture, prefecture)
    prefecture = np.where(rng.random(n) < 0.02, "", prefecture)

    joined = _moments(rng, n, until) - np.timedelta64(90 * 86400, "s")
    has_role = rng.random(n) < WITH_TARGET_ROLE_SHARE
    role = catalog.role_ids[rng.choice(len(catalog.role_ids), size=n, p=catalog.role_weights)]
    onboarded = joined + rng.integers(60, 3 * 86400, size=n).astype("timedelta64[s]")
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # UUID version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexes = raw.tobytes().hex()

    users = {
        "id": user_ids,
        "username": np.array([f"pop{spec.seed}-{start + i:07d}" for i in range(n)]),
        "date_joined": joined,
    }
    profiles = {
        "id": profile_ids,
        "user_id": user_ids,
        "public_id": np.array([hexes[32 * i : 32 * i + 32] for i in range(n)]),
        "prefecture": prefecture,
        "industry": industry,
        "target_role_id": np.where(has_role, role, -1),
        "weekly_hours": rng.choice(np.array([1, 2, 3, 3, 5, 8]), size=n),
        "budget_jpy": rng.choice(np.array([0, 0, 10_000, 30_000, 50_000, 100_000, 200_000]), size=n),
        "free_only": rng.random(n) < 0.2,
        "preferred_language": np.where(rng.random(n) < 0.05, "en", "ja"),
        "share": rng.random(n) < 0.9,
        "onboarded_at": np.where(has_role, onboarded, np.datetime64("NaT")),
        "created_at": joined,
    }
    member_rows = np.flatnonzero(employed)
    memberships = {
        "id": np.arange(ids.membership, ids.membership + len(member_rows), dtype=np.int64),
        "user_id": user_ids[member_rows],
        "organization_id": orgs.ids[org_index[member_rows]] if len(orgs.ids) else np.zeros(0, dtype=np.int64),
        "joined_on": joined[member_rows],
    }
    # Submitter of a learner's events: their company's LMS (the org admin account), else themselves.
    submitter = np.where(employed, orgs.admin_user_ids[org_index] if len(orgs.ids) else user_ids, user_ids)

    enrollments, events, completed = _activity(rng, spec, start, n, profile_ids, submitter, joined, until, catalog, ids)

    # Self-assessments at onboarding (1-4 items), then course-completion evidence (as the ingest records it).
    per_person = np.where(has_role, rng.integers(1, 5, size=n), 0)
    owner = np.repeat(np.arange(n), per_person)
    self_items = catalog.skill_item_ids[rng.integers(0, len(catalog.skill_item_ids), size=len(owner))]
    self_levels = rng.choice(np.array([0, 1, 1, 2, 2, 3]), size=len(owner))
    tag_learner, tag_item, tag_level, tag_course, tag_when = [], [], [], [], []
    for learner_id, course_id, when in completed:
        for item_id, level in catalog.course_tags.get(int(course_id), ()):
            tag_learner.append(learner_id)
            tag_item.append(item_id)
            tag_level.append(level)
            tag_course.append(course_id)
            tag_when.append(when)
    total = len(owner) + len(tag_learner)
    assessments = {
        "id": np.arange(ids.assessment, ids.assessment + total, dtype=np.int64),
        "learner_id": np.concatenate([profile_ids[owner], np.array(tag_learner, dtype=np.int64)]),
        "skill_item_id": np.concatenate([self_items, np.array(tag_item, dtype=np.int64)]),
        "level": np.concatenate([self_levels, np.array(tag_level, dtype=np.int64)]),
        "source": np.concatenate([np.full(len(owner), "self"), np.full(len(tag_learner), "course")]),
        "course_id": np.concatenate([np.full(len(owner), -1), np.array(tag_course, dtype=np.int64)]),
        "assessed_at": np.concatenate([onboarded[owner], np.array(tag_when, dtype="datetime64[s]")]),
    }
    return Chunk(users, profiles, memberships, assessments, enrollments, events)


def _activity(
    rng: np.random.Generator,
    spec: Spec,
    start: int,
    n: int,
    profile_ids: np.ndarray,
    submitter: np.ndarray,
    joined: np.ndarray,
    until: np.datetime64,
    catalog: Catalog,
    ids: Ids,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[tuple[int, int, np.datetime64]]]:
    """Enrollments and their events: exactly `event_quota` events for these learners.

    An enrollment's events: enrolled; then 0-2 progress reports; then completed, dropped or nothing yet.
    Courses are drawn by popularity (a Zipf-like law over a seed-fixed order of the catalog)."""
    quota = spec.event_quota(start, n)
    n_courses = len(catalog.course_ids)
    popularity_rng = np.random.default_rng([spec.seed, 2_000_003])
    popularity = _probabilities(1.0 / (1 + popularity_rng.permutation(n_courses)) ** 0.8)
    learner_rows: list[np.ndarray] = []
    course_rows: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    seen = np.zeros(0, dtype=np.int64)
    have = 0
    # A few people study a lot: activity per learner is heavy-tailed.
    activity = _probabilities(rng.pareto(2.5, size=n) + 0.2)
    while have < quota and n_courses and n:
        want = max(16, int((quota - have) / 2.3 * 1.1))
        who = rng.choice(n, size=want, p=activity)
        what = rng.choice(n_courses, size=want, p=popularity)
        pair = who.astype(np.int64) * n_courses + what
        pair, first = np.unique(pair, return_index=True)
        keep = ~np.isin(pair, seen)
        order = np.sort(first[keep])  # keep draw order (deterministic, not sorted by learner)
        who, what = who[order], what[order]
        seen = np.concatenate([seen, who.astype(np.int64) * n_courses + what])
        size = rng.choice(np.array([1, 2, 3, 4]), size=len(who), p=[0.25, 0.35, 0.25, 0.15])
        cut = np.searchsorted(np.cumsum(size), quota - have, side="left")
        if cut < len(size):  # the last enrollment takes the rest of the quota
            taken = int(np.sum(size[:cut]))
            size = size[: cut + 1].copy()
            size[cut] = quota - have - taken
            who, what = who[: cut + 1], what[: cut + 1]
        learner_rows.append(who)
        course_rows.append(what)
        sizes.append(size)
        have += int(size.sum())
    who = np.concatenate(learner_rows) if learner_rows else np.zeros(0, dtype=np.int64)
    what = np.concatenate(course_rows) if course_rows else np.zeros(0, dtype=np.int64)
    size = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    m = len(who)
    course_id = catalog.course_ids[what]
    hours = catalog.course_hours[what]

    enrolled_at = np.maximum(_moments(rng, m, until), joined[who] + np.timedelta64(3600, "s"))
    enrolled_at = np.minimum(enrolled_at, until - np.timedelta64(86400, "s"))
    # Days to finish grow with the course's hours; people stop at `until`.
    days = np.ceil(hours / rng.uniform(1.0, 6.0, size=m) * 7 / 5 + rng.integers(0, 14, size=m)).astype(np.int64)
    finish = enrolled_at + (days * 86400 + rng.integers(0, 86400, size=m)).astype("timedelta64[s]")
    outcome = rng.random(m)  # < .78 completes, < .88 drops, else still studying (of those with 2+ events)
    ends = size >= 2
    completes = ends & (outcome < 0.78) & (finish <= until)
    drops = ends & ~completes & (outcome < 0.88) & (finish <= until)
    progress_count = size - 1 - (completes | drops)
    span = np.maximum((np.minimum(finish, until) - enrolled_at).astype(np.int64), progress_count + 1)

    e_total = int(size.sum())
    owner = np.repeat(np.arange(m), size)
    step = np.arange(e_total) - np.repeat(np.cumsum(size) - size, size)  # 0 = enrolled
    last = step == np.repeat(size - 1, size)
    kind = np.where(step == 0, "enrolled", "progress").astype("U9")
    kind = np.where(last & np.repeat(completes, size), "completed", kind)
    kind = np.where(last & np.repeat(drops, size), "dropped", kind)
    # Progress reports: evenly spaced, percent rising (to at most 90).
    slots = np.repeat(progress_count + 1, size)
    fraction = np.where(kind == "progress", step / np.maximum(slots, 1), 0.0)
    percent = np.where(kind == "progress", np.clip((fraction * 90).astype(np.int64), 5, 90), -1)
    percent = np.where(kind == "completed", 100, percent)
    offset = np.where(kind == "progress", (fraction * np.repeat(span, size)).astype(np.int64), 0)
    occurred = np.repeat(enrolled_at, size) + offset.astype("timedelta64[s]")
    occurred = np.where((kind == "completed") | (kind == "dropped"), np.repeat(finish, size), occurred)

    status = np.where(completes, "completed", np.where(drops, "dropped", "enrolled")).astype("U11")
    max_percent = np.zeros(m, dtype=np.int64)
    np.maximum.at(max_percent, owner, np.where(kind == "progress", percent, 0))
    status = np.where((status == "enrolled") & (progress_count > 0), "in_progress", status)
    status = np.where(drops, "dropped", status)
    last_event = np.zeros(m, dtype="datetime64[s]")
    np.maximum.at(last_event, owner, occurred)

    learner_id = profile_ids[who]
    enrollment_ids = np.arange(ids.enrollment, ids.enrollment + m, dtype=np.int64)
    enrollments = {
        "id": enrollment_ids,
        "learner_id": learner_id,
        "course_id": course_id,
        "status": status,
        "percent": np.where(completes, 100, max_percent),
        "enrolled_at": enrolled_at,
        "completed_at": np.where(completes, finish, np.datetime64("NaT")),
        "dropped_at": np.where(drops, finish, np.datetime64("NaT")),
        "last_event_at": last_event,
    }
    event_learner = learner_id[owner]
    event_course = course_id[owner]
    iso = np.datetime_as_string(occurred, unit="s")
    hashes = [
        payload_hash(int(lid), int(cid), str(k), None if p < 0 else int(p), f"{t}+00:00")
        for lid, cid, k, p, t in zip(event_learner, event_course, kind, percent, iso, strict=True)
    ]
    first_event = ids.event
    events = {
        "id": np.arange(first_event, first_event + e_total, dtype=np.int64),
        "idempotency_key": np.array([f"pop{spec.seed}-{start:07d}-{i}" for i in range(e_total)]),
        "submitted_by_id": submitter[who][owner],
        "learner_id": event_learner,
        "course_id": event_course,
        "kind": kind,
        "percent": percent,
        "occurred_at": occurred,
        "payload_hash": np.array(hashes),
        "received_at": occurred + rng.integers(5, 3600, size=e_total).astype("timedelta64[s]"),
    }
    done = np.flatnonzero(completes)
    completed = [(int(learner_id[i]), int(course_id[i]), finish[i]) for i in done]
    return enrollments, events, completed
