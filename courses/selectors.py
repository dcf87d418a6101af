"""Reads of the catalog: search with facets, course detail, export rows, the review queue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from courses.catalog_format import CourseRow
from courses.models import (
    CatalogImportJob,
    CatalogState,
    Course,
    CourseItemEffect,
    CourseLiteracy,
    CourseSkill,
    CourseStatus,
    ImportRun,
    Provider,
    ReviewStatus,
    TagSource,
)
from courses.search import IndexedCourse, SearchIndex, snippet
from skills.grades import STRONG_GRADES
from skills.models import RoleSkillRequirement, StandardVersion

ORDERINGS: dict[str, tuple[str, ...]] = {
    "relevance": ("-relevance", "level", "price_jpy", "pk"),
    "title": ("title_ja", "title_en", "pk"),
    "price": ("price_jpy", "pk"),
    "-price": ("-price_jpy", "pk"),
    "hours": ("hours", "pk"),
    "-hours": ("-hours", "pk"),
    "level": ("level", "pk"),
    "-level": ("-level", "pk"),
    "newest": ("-created_at", "-pk"),
}


def catalog_version() -> int:
    return int(CatalogState.objects.filter(pk=1).values_list("version", flat=True).first() or 0)


def active_tags() -> QuerySet[CourseSkill]:
    """Tags that count: declared, reviewed, or inferred and not rejected."""
    return CourseSkill.objects.exclude(review_status=ReviewStatus.REJECTED)


@dataclass
class CourseQuery:
    q: str = ""
    skills: list[str] = field(default_factory=list)
    persona_type: str = ""
    role: str = ""
    literacy_section: str = ""
    levels: list[int] = field(default_factory=list)
    max_price: int | None = None
    free: bool | None = None
    formats: list[str] = field(default_factory=list)
    language: str = ""
    reskill_certified: bool | None = None
    training_benefit_eligible: bool | None = None
    max_hours: Decimal | None = None
    prefecture: str = ""
    provider: int | None = None
    untagged: bool | None = None
    ordering: str = ""
    kind: str = ""  # "course" or "case_program" (project-based programs with a cohort)


def _items_for(version: StandardVersion, *, role: str = "", persona_type: str = "") -> QuerySet[Any]:
    reqs = RoleSkillRequirement.objects.filter(role__version=version, grade__in=STRONG_GRADES)
    if role:
        reqs = reqs.filter(role__code=role)
    if persona_type:
        reqs = reqs.filter(role__persona_type__code=persona_type)
    return reqs.values("skill_item_id")


_index_cache: dict[tuple[Any, ...], SearchIndex] = {}
_ranked_cache: dict[tuple[int, str], list[int]] = {}
_RANKED_CACHE_SIZE = 256


def search_index() -> SearchIndex:
    """The in-memory word index of the published catalog, built once per catalog state.

    The state is the catalog version with the number of published courses and their last change,
    so an edit that does not bump the version (admin, tests) still makes a new index.
    """
    with connection.cursor() as cursor:  # one query for the whole state
        cursor.execute(
            "SELECT (SELECT version FROM courses_catalogstate WHERE id = 1), COUNT(*), MAX(updated_at) "
            "FROM courses_course WHERE status = %s",
            [CourseStatus.PUBLISHED.value],
        )
        key = tuple(cursor.fetchone() or ())
    index = _index_cache.get(key)
    if index is None:
        tags: dict[int, set[str]] = {}
        for course_id, code in active_tags().values_list("course_id", "skill_item__code"):
            tags.setdefault(course_id, set()).add(code)
        rows = Course.objects.filter(status=CourseStatus.PUBLISHED).values_list(
            "pk", "code", "title_ja", "title_en", "description_ja", "description_en"
        )
        index = SearchIndex.build(
            IndexedCourse(
                pk=pk, title=f"{tja}\n{ten}", text=f"{dja}\n{den}", tags=frozenset(tags.get(pk, ())), code=code
            )
            for pk, code, tja, ten, dja, den in rows.iterator(chunk_size=2000)
        )
        _index_cache.clear()
        _ranked_cache.clear()  # rankings belong to the index they came from
        _index_cache[key] = index
    return index


def _ranked_ids(q: str) -> list[int]:
    """The ids matching `q`, best first; kept per index and query (filters and pages reuse a ranking)."""
    index = search_index()
    key = (id(index), q)
    ranked = _ranked_cache.get(key)
    if ranked is None:
        scores = index.search(q)
        ranked = sorted(scores, key=lambda pk: (-scores[pk], pk))
        if len(_ranked_cache) >= _RANKED_CACHE_SIZE:
            _ranked_cache.clear()
        _ranked_cache[key] = ranked
    return ranked


def _pg_id_array(ids: list[int]) -> str:
    """`ids` as one PostgreSQL array literal (cast with ::bigint[]): one text parameter, not one per element."""
    return "{" + ",".join(map(str, ids)) + "}"


def course_search(*, query: CourseQuery, version: StandardVersion) -> QuerySet[Course]:
    """Published courses matching every filter, ordered; tags and provider prefetched.

    The words of `q` are matched through the word index (courses.search): Japanese segmentation,
    width and kana folding, synonyms, DSS vocabulary and typo tolerance; best match first.  A query that
    looks like a course code also finds the course with that code (first) and those whose code contains it.
    """
    qs = Course.objects.filter(status=CourseStatus.PUBLISHED)
    ranked = _ranked_ids(query.q) if query.q.strip() else None
    if ranked is not None:
        if not ranked:
            qs = qs.none()
        elif connection.vendor == "postgresql":
            qs = qs.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [_pg_id_array(ranked)]))
        else:
            qs = qs.filter(pk__in=ranked)
    tag_filter = Q()
    if query.skills:
        tag_filter &= Q(skill_item__code__in=query.skills)
    if query.role or query.persona_type:
        tag_filter &= Q(skill_item_id__in=_items_for(version, role=query.role, persona_type=query.persona_type))
    if tag_filter:
        qs = qs.filter(pk__in=active_tags().filter(tag_filter).values("course_id"))
    if query.literacy_section:
        qs = qs.filter(
            pk__in=CourseLiteracy.objects.filter(
                Q(literacy_section__code=query.literacy_section)
                | Q(literacy_item__section__code=query.literacy_section)
            ).values("course_id")
        )
    if query.levels:
        qs = qs.filter(level__in=query.levels)
    if query.max_price is not None:
        qs = qs.filter(price_jpy__lte=query.max_price)
    if query.free is not None:
        qs = qs.filter(price_jpy=0) if query.free else qs.filter(price_jpy__gt=0)
    if query.formats:
        qs = qs.filter(format__in=query.formats)
    if query.language:
        qs = qs.filter(language=query.language)
    if query.reskill_certified is not None:
        qs = qs.filter(reskill_certified=query.reskill_certified)
    if query.training_benefit_eligible is not None:
        qs = qs.filter(training_benefit_eligible=query.training_benefit_eligible)
    if query.max_hours is not None:
        qs = qs.filter(hours__lte=query.max_hours)
    if query.prefecture:
        qs = qs.filter(prefecture=query.prefecture)
    if query.provider is not None:
        qs = qs.filter(provider_id=query.provider)
    if query.kind:
        qs = qs.filter(case_program__isnull=query.kind != "case_program")
    if query.untagged is not None:
        has_tags = active_tags().values("course_id")
        qs = qs.exclude(pk__in=has_tags) if query.untagged else qs.filter(pk__in=has_tags)

    ordering = query.ordering or ("relevance" if ranked is not None else "title")
    if ordering == "relevance":
        if ranked:
            # the position in the ranked list, negated so that "-relevance" puts the best first
            if connection.vendor == "postgresql":
                # A jsonb object id -> position: looking a key up is a binary search, where
                # array_position scanned the whole list for every matching row (quadratic).
                positions = "{" + ",".join(f'"{pk}":{n}' for n, pk in enumerate(ranked, start=1)) + "}"
                rank = RawSQL("-((%s::jsonb ->> courses_course.id::text)::integer)", [positions])
            else:
                rank = RawSQL("-instr(%s, ',' || courses_course.id || ',')", ["," + ",".join(map(str, ranked)) + ","])
            qs = qs.annotate(relevance=rank)
        else:
            qs = qs.annotate(relevance=Value(0, output_field=IntegerField()))
    return qs.order_by(*ORDERINGS[ordering])


def search_snippets(*, courses: list[Course], q: str, lang: str) -> dict[int, list[tuple[str, bool]]]:
    """For each course, a piece of its description (in `lang`, else Japanese) with the query's words marked."""
    if not q.strip():
        return {}
    index = search_index()
    keys = index.match_keys(q)
    out = {}
    for course in courses:
        text = (course.description_en if lang == "en" else "") or course.description_ja
        out[course.pk] = snippet(text, keys, tokens=index.tokens)
    return out


def search_suggestions(*, q: str) -> list[str]:
    """Queries with results to offer when `q` found nothing ("did you mean")."""
    return search_index().suggestions(q) if q.strip() else []


def with_listing_relations(qs: QuerySet[Course]) -> QuerySet[Course]:
    """What a list row shows: provider, active skill tags with items, literacy tags."""
    return qs.select_related("provider", "case_program").prefetch_related(
        Prefetch(
            "skill_tags",
            queryset=active_tags().select_related("skill_item__subcategory__category").order_by("position", "pk"),
            to_attr="active_skill_tags",
        ),
        Prefetch(
            "literacy_tags",
            queryset=CourseLiteracy.objects.select_related("literacy_item", "literacy_section").order_by("position"),
        ),
    )


@dataclass
class SearchPage:
    courses: list[Course]
    facets: dict[str, Any]

    @property
    def total(self) -> int:
        return int(self.facets["total"])


def course_search_page(*, qs: QuerySet[Course], page: int, page_size: int) -> SearchPage:
    """One page of an ordered search and the facet counts over all its matches.

    One pass over the matching rows yields the order, the page and most facets;
    one more query counts skill categories; then the page's relations are
    prefetched.  The number of queries does not depend on the page size.
    """
    rows = list(
        qs.values_list(
            "pk", "level", "format", "language", "price_jpy", "reskill_certified", "training_benefit_eligible"
        )
    )
    level: Counter[str] = Counter()
    fmt: Counter[str] = Counter()
    language: Counter[str] = Counter()
    free = reskill = benefit = 0
    for _pk, lvl, course_format, lang, price, certified, eligible in rows:
        level[str(lvl)] += 1
        fmt[course_format] += 1
        language[lang] += 1
        free += price == 0
        reskill += certified
        benefit += eligible
    categories: dict[str, int] = {}
    if rows:
        # PostgreSQL takes the ids as one array parameter, which spares a second text scan;
        # elsewhere the filter is repeated as a subquery (SQLite limits parameters).
        matched: Any = (
            RawSQL("SELECT unnest(%s::bigint[])", [_pg_id_array([row[0] for row in rows])])
            if connection.vendor == "postgresql"
            else qs.order_by().values("pk")
        )
        categories = {
            row["skill_item__subcategory__category__code"]: row["n"]
            for row in active_tags()
            .filter(course_id__in=matched)
            .values("skill_item__subcategory__category__code")
            .annotate(n=Count("course_id", distinct=True))
            .order_by("skill_item__subcategory__category__code")
        }
    page_ids = [row[0] for row in rows[(page - 1) * page_size : page * page_size]]
    by_id = {c.pk: c for c in with_listing_relations(Course.objects.filter(pk__in=page_ids))} if page_ids else {}
    facets = {
        "total": len(rows),
        "level": dict(sorted(level.items())),
        "format": dict(sorted(fmt.items())),
        "language": dict(sorted(language.items())),
        "price": {"free": free, "paid": len(rows) - free},
        "subsidy": {"reskill_certified": reskill, "training_benefit_eligible": benefit},
        "category": categories,
    }
    return SearchPage(courses=[by_id[pk] for pk in page_ids], facets=facets)


def course_detail_get(*, pk: int, viewer: User | AnonymousUser | None = None) -> Course | None:
    """A published course (drafts too for staff and the provider's own accounts), with relations."""
    qs = with_listing_relations(Course.objects.filter(pk=pk)).prefetch_related(
        Prefetch("prerequisites", queryset=Course.objects.select_related("provider")),
        Prefetch(
            "required_for", queryset=Course.objects.filter(status=CourseStatus.PUBLISHED).select_related("provider")
        ),
    )
    course = qs.first()
    if course is None:
        return None
    if course.status == CourseStatus.PUBLISHED:
        return course
    if (
        viewer is not None
        and viewer.is_authenticated
        and (viewer.is_staff or course.provider.members.filter(pk=viewer.pk).exists())
    ):
        return course
    return None


def provider_ids_for(*, user: User | AnonymousUser) -> set[int] | None:
    """Providers an account may import for: None means any (staff)."""
    if getattr(user, "is_staff", False):
        return None
    if not user.is_authenticated:
        return set()
    return set(Provider.objects.filter(members=user).values_list("pk", flat=True))


def catalog_import_job_get(*, job_id: int, user: User | AnonymousUser) -> CatalogImportJob | None:
    """An upload's job, for its uploader and staff only (None otherwise: the pages answer 404)."""
    if not user.is_authenticated:
        return None
    qs = CatalogImportJob.objects.select_related("import_run").defer("data")
    if not user.is_staff:
        qs = qs.filter(uploader_id=user.pk)
    return qs.filter(pk=job_id).first()


def catalog_import_jobs_of(*, user: User | AnonymousUser, limit: int = 5) -> list[CatalogImportJob]:
    """The account's latest uploads, newest first."""
    if not user.is_authenticated:
        return []
    return list(CatalogImportJob.objects.filter(uploader_id=user.pk).select_related("import_run").defer("data")[:limit])


@dataclass
class ProviderHome:
    """One provider on its account's home page: its courses and the last import by any of its accounts."""

    provider: Provider
    courses: Sequence[Course]
    status_counts: dict[str, int]
    pending_tags: int
    last_import: ImportRun | None


def provider_homes_for(*, user: User | AnonymousUser) -> list[ProviderHome]:
    """The providers the account acts for, each with its courses (every status; each annotated with
    `pending_tags`, inferred tags waiting for review), and its last import.  A few queries per provider."""
    if not user.is_authenticated:
        return []
    homes = []
    for provider in Provider.objects.filter(members=user).order_by("name_ja"):
        courses = list(
            Course.objects.filter(provider=provider)
            .annotate(
                pending_tags=Count(
                    "skill_tags",
                    filter=Q(skill_tags__source=TagSource.INFERRED, skill_tags__review_status=ReviewStatus.PENDING),
                )
            )
            .order_by("status", "code")
        )
        counts = Counter(c.status for c in courses)
        last = ImportRun.objects.filter(actor__providers=provider).order_by("-created_at", "-pk").first()
        homes.append(
            ProviderHome(
                provider=provider,
                courses=courses,
                status_counts=dict(counts),
                pending_tags=sum(c.pending_tags for c in courses),
                last_import=last,
            )
        )
    return homes


def import_runs_visible_to(*, user: User | AnonymousUser) -> QuerySet[ImportRun]:
    qs = ImportRun.objects.select_related("actor")
    if user.is_staff:
        return qs
    return qs.filter(actor_id=user.pk) if user.is_authenticated else qs.none()


def catalog_export_rows(*, provider_ids: set[int] | None = None) -> list[CourseRow]:
    """Published courses in the exchange format, ordered by provider and code.

    Skills are the tags that stand: declared by the provider or accepted by a reviewer."""
    qs = Course.objects.filter(status=CourseStatus.PUBLISHED).select_related("provider")
    if provider_ids is not None:
        qs = qs.filter(provider_id__in=provider_ids)
    qs = qs.prefetch_related(
        Prefetch(
            "skill_tags",
            queryset=CourseSkill.objects.filter(review_status=ReviewStatus.ACCEPTED)
            .select_related("skill_item")
            .order_by("position", "skill_item__position"),
            to_attr="standing_tags",
        ),
        Prefetch(
            "literacy_tags",
            queryset=CourseLiteracy.objects.select_related("literacy_item", "literacy_section").order_by("position"),
        ),
    ).order_by("provider__name_ja", "code")
    return [
        CourseRow(
            row=0,
            provider=c.provider.name_ja,
            code=c.code,
            title_ja=c.title_ja,
            title_en=c.title_en,
            description_ja=c.description_ja,
            description_en=c.description_en,
            url=c.url,
            level=c.level,
            hours=c.hours,
            price_jpy=c.price_jpy,
            format=c.format,
            language=c.language,
            prefecture=c.prefecture,
            reskill_certified=c.reskill_certified,
            training_benefit_eligible=c.training_benefit_eligible,
            skills=[(t.skill_item.code, t.level) for t in getattr(c, "standing_tags", [])],
            literacy=[t.code for t in c.literacy_tags.all()],
        )
        for c in qs
    ]


def review_queue(*, status: str = ReviewStatus.PENDING) -> QuerySet[CourseSkill]:
    """Inferred tags awaiting review, least confident first."""
    return (
        CourseSkill.objects.filter(review_status=status, source__in=["inferred", "reviewed"])
        .select_related("course__provider", "skill_item", "reviewer")
        .order_by("confidence", "pk")
    )


# --- measured effectiveness (docs/effectiveness.md) ------------------------------------------------


def effect_min_learners() -> int:
    """Below this many learners with later evidence a measured level is not shown nor used (EFFECT_MIN_LEARNERS)."""
    return int(settings.EFFECT_MIN_LEARNERS)


def course_effects_shown(*, course: Course, min_learners: int | None = None) -> list[CourseItemEffect]:
    """The course's measured levels with enough learners to show, by item code."""
    floor = effect_min_learners() if min_learners is None else min_learners
    return list(
        CourseItemEffect.objects.filter(course=course, learners__gte=floor)
        .select_related("skill_item")
        .order_by("skill_item__code")
    )


def course_effects_usable(*, min_learners: int | None = None) -> dict[int, dict[int, tuple[float, float]]]:
    """Per course id, per skill item id: (claimed, measured) levels of the estimates with enough learners."""
    floor = effect_min_learners() if min_learners is None else min_learners
    out: dict[int, dict[int, tuple[float, float]]] = {}
    rows = CourseItemEffect.objects.filter(learners__gte=floor).values_list(
        "course_id", "skill_item_id", "claimed_level", "shrunk_level"
    )
    for course_id, item_id, claimed, shrunk in rows:
        out.setdefault(course_id, {})[item_id] = (claimed, shrunk)
    return out


def course_effects_stamp() -> Any:
    """When the estimates were last computed (None: never): caches built from them key on it."""
    return CourseItemEffect.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()


@dataclass(frozen=True)
class ProviderEffect:
    """A provider's measured effectiveness over its courses' items with enough learners."""

    courses: int  # courses with at least one item measured
    items: int  # (course, item) estimates
    learners: int  # sum over its measured courses of the learners with later evidence (largest item per course)
    claimed_level: float  # learner-weighted means
    measured_level: float

    @property
    def gain_over_claim(self) -> float:
        return round(self.measured_level - self.claimed_level, 2)


def provider_effect_summary(*, provider_id: int, min_learners: int | None = None) -> ProviderEffect | None:
    """The provider's published courses' estimates with at least `min_learners` learners (None: none)."""
    floor = effect_min_learners() if min_learners is None else min_learners
    rows = list(
        CourseItemEffect.objects.filter(
            course__provider_id=provider_id, course__status=CourseStatus.PUBLISHED, learners__gte=floor
        ).values_list("course_id", "learners", "claimed_level", "shrunk_level")
    )
    if not rows:
        return None
    per_course: dict[int, int] = {}
    for course_id, n, _c, _s in rows:
        per_course[course_id] = max(per_course.get(course_id, 0), n)
    total = sum(n for _id, n, _c, _s in rows)
    return ProviderEffect(
        courses=len(per_course),
        items=len(rows),
        learners=sum(per_course.values()),
        claimed_level=round(sum(n * c for _id, n, c, _s in rows) / total, 2),
        measured_level=round(sum(n * s for _id, n, _c, s in rows) / total, 2),
    )
