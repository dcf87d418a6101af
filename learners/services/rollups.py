"""Per-organization rollups for the employer's dashboard and heatmap (docs/scaling.md, "Employer pages").

Each active member's contribution (`OrgMemberFact`: shared role, whether they share levels, their current
levels) is stored; `org_rollups_refresh` recomputes the facts of some learners from the raw rows, and adds
the difference to the counters (`OrgRollup`, `OrgRoleRollup`, `OrgItemRollup`) with one set-based upsert
per table.  It runs in the writing transaction (learners/rollup_receivers.py: assessments, profiles,
memberships, erasure), is idempotent (a second call finds no difference), and
`org_rollups_rebuild` recomputes everything after bulk loads that bypass the ORM (generate_population)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import connection, models, transaction

from learners.models import (
    LearnerProfile,
    Membership,
    OrgItemRollup,
    OrgMemberFact,
    OrgRoleRollup,
    OrgRollup,
    SkillAssessment,
)

CHUNK = 2000


@dataclass
class _Fact:
    role_id: int | None
    shares_levels: bool
    levels: dict[int, int] = field(default_factory=dict)


def _current_levels(learner_ids: list[int]) -> dict[int, dict[int, int]]:
    """learner id -> item id -> current level: `learners.selectors.current_levels_of`'s rule (docs/learner-levels.md)
    on plain rows (the latest assessment per source, then the highest level)."""
    latest: dict[tuple[int, int, str], int] = {}
    for learner_id, item_id, source, level in (
        SkillAssessment.objects.filter(learner_id__in=learner_ids)
        .order_by("-assessed_at", "-pk")
        .values_list("learner_id", "skill_item_id", "source", "level")
        .iterator(chunk_size=20_000)
    ):
        latest.setdefault((learner_id, item_id, source), level)
    current: dict[int, dict[int, int]] = defaultdict(dict)
    for (learner_id, item_id, _source), level in latest.items():
        if level > current[learner_id].get(item_id, -1):
            current[learner_id][item_id] = level
    return current


def _facts_of(learner_ids: list[int], gone: set[int]) -> dict[tuple[int, int], _Fact]:
    """(organization id, learner id) -> the member's contribution now, from the raw rows."""
    ids = [i for i in learner_ids if i not in gone]
    if not ids:
        return {}
    profiles = {
        row[0]: row[1:]
        for row in LearnerProfile.objects.filter(pk__in=ids).values_list(
            "pk", "user_id", "target_role_id", "share_target_role", "share_levels"
        )
    }
    by_user = {user_id: pk for pk, (user_id, *_rest) in profiles.items()}
    orgs: dict[int, set[int]] = defaultdict(set)
    for user_id, org_id in Membership.objects.filter(user_id__in=list(by_user), left_on__isnull=True).values_list(
        "user_id", "organization_id"
    ):
        orgs[by_user[user_id]].add(org_id)
    sharing = [
        pk for pk, (_u, role, share_role, share_levels) in profiles.items() if role and share_role and share_levels
    ]
    sharing = [pk for pk in sharing if orgs.get(pk)]
    levels = _current_levels(sharing) if sharing else {}
    out: dict[tuple[int, int], _Fact] = {}
    for pk, org_ids in orgs.items():
        _u, role_id, share_role, share_levels = profiles[pk]
        role = role_id if share_role else None
        shares = bool(role and share_levels)
        mine = {i: level for i, level in levels.get(pk, {}).items() if level > 0} if shares else {}
        for org_id in org_ids:
            out[(org_id, pk)] = _Fact(role, shares, mine)
    return out


def _upsert_add(
    model: type[models.Model], keys: tuple[str, ...], counters: tuple[str, ...], rows: Iterable[tuple[int, ...]]
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET counter = counter + excluded.counter, in chunks
    (PostgreSQL and SQLite alike)."""
    rows = list(rows)
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [str(cast("models.Field[Any, Any]", model._meta.get_field(k)).column) for k in keys] + list(counters)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    conflict = ", ".join(connection.ops.quote_name(c) for c in columns[: len(keys)])
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in map(connection.ops.quote_name, counters))
    width = len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) VALUES {values} ON CONFLICT ({conflict}) DO UPDATE SET {sets}",  # noqa: S608  # names from the models
                [v for row in part for v in row],
            )


def _apply(deltas: list[tuple[int, _Fact, int]]) -> None:
    """Add (sign = +1) or remove (-1) contributions: (organization id, fact, sign)."""
    members: dict[int, int] = defaultdict(int)
    roles: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    items: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for org_id, fact, sign in deltas:
        members[org_id] += sign
        if fact.role_id is None:
            continue
        cell = roles[(org_id, fact.role_id)]
        cell[0] += sign
        if fact.shares_levels:
            cell[1] += sign
            for item_id, level in fact.levels.items():
                acc = items[(org_id, fact.role_id, item_id)]
                acc[0] += sign * level
                acc[1] += sign
    _upsert_add(OrgRollup, ("organization",), ("members",), ((k, v) for k, v in members.items() if v))
    _upsert_add(
        OrgRoleRollup,
        ("organization", "role"),
        ("members", "sharing_levels"),
        ((*k, *v) for k, v in roles.items() if any(v)),
    )
    _upsert_add(
        OrgItemRollup,
        ("organization", "role", "skill_item"),
        ("level_sum", "assessed"),
        ((*k, *v) for k, v in items.items() if any(v)),
    )


@transaction.atomic
def org_rollups_refresh(*, learner_ids: Iterable[int], gone: Iterable[int] = ()) -> int:
    """Bring the organizations' rollups up to date for these learners (those in `gone` are being erased and
    count nowhere).  Idempotent; returns how many (organization, member) contributions changed."""
    ids = sorted(set(learner_ids))
    gone_ids = set(gone)
    changed = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        old = {
            (org_id, learner_id): (pk, _Fact(role_id, shares, {int(k): v for k, v in levels.items()}))
            for pk, org_id, learner_id, role_id, shares, levels in OrgMemberFact.objects.filter(
                learner_id__in=part
            ).values_list("pk", "organization_id", "learner_id", "role_id", "shares_levels", "levels")
        }
        new = _facts_of(part, gone_ids)
        deltas: list[tuple[int, _Fact, int]] = []
        stale: list[int] = []
        fresh: list[OrgMemberFact] = []
        for key in old.keys() | new.keys():
            before, after = old.get(key), new.get(key)
            if before is not None and after is not None and before[1] == after:
                continue
            changed += 1
            if before is not None:
                deltas.append((key[0], before[1], -1))
                stale.append(before[0])
            if after is not None:
                deltas.append((key[0], after, +1))
                fresh.append(
                    OrgMemberFact(
                        organization_id=key[0],
                        learner_id=key[1],
                        role_id=after.role_id,
                        shares_levels=after.shares_levels,
                        levels={str(k): v for k, v in sorted(after.levels.items())},
                    )
                )
        if stale:
            OrgMemberFact.objects.filter(pk__in=stale).delete()
        if fresh:
            OrgMemberFact.objects.bulk_create(fresh, batch_size=1000)
        _apply(deltas)
    return changed


@transaction.atomic
def org_rollups_forget(*, organization_ids: Iterable[int]) -> None:
    """Remove the rollups of deleted organizations."""
    ids = list(organization_ids)
    for model in (OrgMemberFact, OrgRoleRollup, OrgItemRollup):
        model.objects.filter(organization_id__in=ids).delete()
    OrgRollup.objects.filter(organization_id__in=ids).delete()


@transaction.atomic
def org_rollups_rebuild() -> int:
    """Recompute every organization's rollups from the raw rows (after bulk loads that bypass the ORM, such as
    generate_population's COPY).  Returns the number of members counted."""
    for model in (OrgMemberFact, OrgRoleRollup, OrgItemRollup, OrgRollup):
        model.objects.all().delete()
    learner_ids = list(
        LearnerProfile.objects.filter(user__memberships__left_on__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    org_rollups_refresh(learner_ids=learner_ids)
    return OrgMemberFact.objects.count()
