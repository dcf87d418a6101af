"""The recommender's pages: a learner's plan (/me/plan/) and the employer's track builder, which the plan
model fills (/team/<org>/tracks/new/).  They live here, not in learners/, so that learners never imports
the recommender: the recommender reads learners' data, learners signal what happened."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Case, IntegerField, Q, When
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.models import AuditAction
from audit.services import audit_record
from common.i18n import translate
from common.limits import BUDGET_JPY_MAX, BUDGET_JPY_MIN
from common.messages import message_of
from courses.models import Course, CourseFormat, CourseSkill, CourseStatus, ReviewStatus
from learners.forms import PlanForm, TrackForm, plan_form_initial
from learners.models import LearnerProfile
from learners.selectors import MemberRow, enrollments_of, members_of, organization_for_admin, team_member_rows
from learners.services import TrackError, learner_profile_get_or_create, track_create_and_assign
from recommender.forms import WhatIfConfirmForm, WhatIfForm
from recommender.planning import track_propose
from recommender.services import plan_current, plan_refresh, what_if_confirm
from recommender.whatif import COMPARED, WhatIfError, what_if, what_if_members
from skills.grades import STRONG_GRADES
from skills.selectors import standard_version_get


def _profile(request: HttpRequest) -> LearnerProfile:
    assert isinstance(request.user, User)  # login_required ran first
    return learner_profile_get_or_create(user=request.user)


@login_required
def my_plan(request: HttpRequest) -> HttpResponse:
    """The plan: ordered courses, what each closes and why, totals and the expected finish; regenerate."""
    profile = _profile(request)
    if profile.target_role is None:
        return redirect("learners:onboarding-role")
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = plan_refresh(learner_id=profile.pk, overrides=form.overrides())
    else:
        plan = plan_current(learner=profile)
    if request.method != "POST" or form.is_valid():  # the form shows the limits of the plan on the page
        form = PlanForm(initial=plan_form_initial(constraints=plan.constraints or {}, profile=profile))
    payload = plan.payload
    all_enrollments = list(enrollments_of(learner=profile))
    enrollments = {e.course_id: e for e in all_enrollments}
    items = [{**item, "enrollment": enrollments.get(item["course"]["id"])} for item in payload.get("items", [])]
    completed = sorted(
        (e for e in all_enrollments if e.status == "completed"), key=lambda e: e.completed_at or e.enrolled_at
    )
    weeks = payload.get("totals", {}).get("weeks") or 0
    finish = timezone.localdate() + timedelta(weeks=weeks) if weeks else None
    core = payload.get("core") or {}
    names = {i.code: i for i in profile.target_role.version.skill_items.all()}
    return render(
        request,
        "recommender/plan.html",
        {
            "profile": profile,
            "plan": plan,
            "payload": payload,
            "items": items,
            "finish": finish,
            "form": form,
            "page_key": uuid.uuid4().hex,
            "skill_items": names,
            "core": core,
            "no_course": [
                {"item": names.get(g["code"]), "code": g["code"], "next": g["planned"] + 1}
                for code in core.get("no_course", [])
                for g in core.get("gaps", [])
                if g["code"] == code
            ],
            "levels_to_go": sum(g["target"] - g["current"] for g in core.get("gaps", [])),
            "levels_after": sum(g["target"] - g["planned"] for g in core.get("gaps", [])),
            "completed": completed,
            "done": len(completed),
            "total_courses": len(completed) + len(items),
            "paid_hours": sum(float(i["hours"]) for i in items),
        },
        status=400 if form.errors else 200,
    )


# The plan's messages come from the recommender core in English; the page shows them translated
# (recommender.services.WEEKLY_HOURS_ZERO_MESSAGE is marked where it is defined).
PLAN_MESSAGES = (
    gettext_noop("Choose a target role first."),
    gettext_noop("No gaps: you already meet every target of your role."),
    gettext_noop("No course fits your limits; allow more time, budget or formats."),
)

TRACK_MORE_CHOICES = 30  # courses offered beside the proposed track (the filters narrow them)


def _int_param(request: HttpRequest, name: str, low: int, high: int) -> int | None:
    value = (request.POST.get(name) or request.GET.get(name) or "").strip()
    return int(value) if value.isdigit() and low <= int(value) <= high else None


@login_required
def track_new(request: HttpRequest, org_id: int) -> HttpResponse:
    """An employer builds a track for a role: the plan model proposes an ordered track of courses that take the
    role's key skills (grade a or b) up their ladders; search, level and format filters offer other courses."""
    organization = organization_for_admin(user=request.user, organization_id=org_id)
    if organization is None:
        raise Http404("No such organization among those you administer.")
    version = standard_version_get()
    roles = version.roles.select_related("persona_type").order_by("position")
    role_id = request.POST.get("target_role") or request.GET.get("target_role")
    role = roles.filter(pk=role_id).first() if role_id and str(role_id).isdigit() else None
    target_level = _int_param(request, "target_level", 1, 4)
    budget = _int_param(request, "budget_jpy", BUDGET_JPY_MIN, BUDGET_JPY_MAX)
    course_level = _int_param(request, "level", 1, 4)
    fmt = request.GET.get("format", "") if request.GET.get("format", "") in CourseFormat.values else ""
    query = (request.GET.get("q") or "").strip()[:100]
    proposed: list[int] = []
    courses = Course.objects.filter(status=CourseStatus.PUBLISHED)
    if role is not None:
        proposed = track_propose(
            role=role,
            target_level=target_level,
            budget_jpy=budget,
            formats=(fmt,) if fmt else (),
            prefecture=organization.prefecture,
        )
        key_items = role.requirements.filter(grade__in=STRONG_GRADES).values("skill_item")
        teaching = CourseSkill.objects.filter(skill_item__in=key_items).exclude(review_status=ReviewStatus.REJECTED)
        courses = courses.filter(pk__in=teaching.values("course"))
    if query:
        courses = courses.filter(Q(title_ja__icontains=query) | Q(title_en__icontains=query))
    if course_level:
        courses = courses.filter(level=course_level)
    if fmt:
        courses = courses.filter(format=fmt)
    more = list(
        courses.exclude(pk__in=proposed).order_by("level", "pk").values_list("pk", flat=True)[:TRACK_MORE_CHOICES]
    )
    chosen = [int(c) for c in request.POST.getlist("courses") if c.isdigit()] if request.method == "POST" else []
    offered = proposed + [pk for pk in more if pk not in proposed] + [pk for pk in chosen if pk not in proposed]
    position = Case(*[When(pk=pk, then=i) for i, pk in enumerate(offered)], output_field=IntegerField())
    allowed = (
        Course.objects.filter(pk__in=offered).select_related("provider").order_by(position, "pk")
        if offered
        else Course.objects.none()
    )
    form = TrackForm(
        request.POST if request.method == "POST" else None,
        initial={"target_role": role, "courses": proposed},
        roles=roles,
        courses=allowed,
        members=members_of(organization=organization),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            track = track_create_and_assign(
                organization=organization,
                name=data["name"],
                courses=list(data["courses"]),
                learners=list(data["members"]),
                due_on=data["due_on"],
                target_role=data["target_role"],
                created_by=request.user if isinstance(request.user, User) else None,
            )
        except TrackError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, translate(message_of(exc)))
        else:
            messages.success(
                request,
                _("Track “%(name)s” created and assigned to %(n)d members.")
                % {"name": track.name, "n": len(data["members"])},
            )
            return redirect("learners:team", org_id=organization.pk)
    return render(
        request,
        "recommender/track_new.html",
        {
            "organization": organization,
            "form": form,
            "role": role,
            "roles": roles,
            "proposed": proposed,
            "filters": {
                "target_level": target_level,
                "budget_jpy": budget,
                "level": course_level,
                "format": fmt,
                "q": query,
            },
            "formats": CourseFormat.choices,
        },
        status=400 if form.errors else 200,
    )


WHAT_IF_MEMBER_ROWS = 100  # members listed per budget on the page (the API returns all)
WHAT_IF_PICKER_ROWS = 200  # members the picker lists at most (filter by name, or pick a whole role)
MEMBER_STATUS_LABELS = {  # the team page's words (learners/views.py), translated there
    "overdue": gettext_noop("Overdue"),
    "in_progress": gettext_noop("In progress"),
    "complete": gettext_noop("Complete"),
    "no_track": gettext_noop("No track"),
    "not_shared": gettext_noop("Not shared"),
}
WHAT_IF_TOTALS = {
    "cost_jpy": gettext_noop("Cost (yen)"),
    "net_cost_jpy": gettext_noop("Cost after estimated support (yen)"),
    "hours": gettext_noop("Hours of study"),
    "weeks_max": gettext_noop("Weeks until the last member finishes"),
    "core_at_target_by_deadline": gettext_noop("Core items at target by the deadline"),
    "core_share_by_deadline": gettext_noop("Share of core items at target by the deadline"),
}
assert set(WHAT_IF_TOTALS) == set(COMPARED)


def _with_role_picks(source: QueryDict, *, organization: Any) -> QueryDict:
    """The question with each ticked "everyone in this role" (`select_role`) turned into its members: those who
    share that target role (as the role groups), listed or not."""
    codes = [c for c in source.getlist("select_role") if c][:50]
    if not codes:
        return source
    data = source.copy()
    picked = members_of(organization=organization).filter(share_target_role=True, target_role__code__in=codes)
    chosen = list(dict.fromkeys([*source.getlist("members"), *(str(pk) for pk in picked.values_list("pk", flat=True))]))
    data.setlist("members", chosen)
    return data


def _member_picker(*, organization: Any, source: QueryDict, roles: Any) -> dict[str, Any]:
    """The members to choose from, within their consent (`team_member_rows`: the target role and the progress
    only if shared), filtered by name (`member_q`), grouped by shared target role (role order, then those with
    none shown), at most WHAT_IF_PICKER_ROWS listed; chosen members not listed are carried along hidden."""
    query = (source.get("member_q") or "").strip()[:100]
    rows = team_member_rows(organization=organization, query=query)
    order = {role.pk: n for n, role in enumerate(roles)}
    rows.sort(key=lambda r: (order.get(r.role.pk, len(order)) if r.role else len(order) + 1, r.name.lower()))
    chosen = set(source.getlist("members"))
    ticked_roles = set(source.getlist("select_role"))
    shown = rows[:WHAT_IF_PICKER_ROWS]
    counts = _role_counts(organization)
    groups: list[dict[str, Any]] = []
    for row in shown:
        role = row.role
        if not groups or groups[-1]["role"] != role:
            groups.append(
                {
                    "role": role,
                    "rows": [],
                    "ticked": bool(role) and role.code in ticked_roles,
                    "count": counts.get(role.code, 0) if role else 0,
                }
            )
        groups[-1]["rows"].append(_picker_row(row, chosen))
    listed = {str(r.learner.pk) for r in shown}
    return {
        "query": query,
        "groups": groups,
        "shown": len(shown),
        "matching": len(rows),
        "capped": len(rows) > len(shown),
        "hidden_chosen": sorted(chosen - listed),
    }


def _picker_row(row: MemberRow, chosen: set[str]) -> dict[str, Any]:
    return {
        "pk": row.learner.pk,
        "name": row.name,
        "role": row.role,
        "role_shared": row.role_shared,
        "progress_shared": row.progress_shared,
        "done": row.required_done,
        "total": row.required_total,
        "percent": row.percent,
        "status": row.status,
        "status_label": _(MEMBER_STATUS_LABELS[row.status]) if row.status in MEMBER_STATUS_LABELS else "",
        "chosen": str(row.learner.pk) in chosen,
    }


def _role_counts(organization: Any) -> dict[str, int]:
    """Members per shared target role: how many "everyone in this role" picks."""
    counts: dict[str, int] = {}
    for code in (
        members_of(organization=organization)
        .filter(share_target_role=True, target_role__isnull=False)
        .values_list("target_role__code", flat=True)
    ):
        counts[code] = counts.get(code, 0) + 1
    return counts


@login_required
def what_if_page(request: HttpRequest, org_id: int) -> HttpResponse:
    """An employer's what-if (docs/what-if.md): the plans for a group under one or two budgets, side by side; a
    POST with a track name confirms one budget's scenario, which creates and assigns the track."""
    organization = organization_for_admin(user=request.user, organization_id=org_id)
    if organization is None:
        raise Http404("No such organization among those you administer.")
    version = standard_version_get()
    roles = version.roles.select_related("persona_type").order_by("position")
    members = members_of(organization=organization)
    source = _with_role_picks(request.POST if request.method == "POST" else request.GET, organization=organization)
    filtering = "member_filter" in source  # the picker's filter (without JS): list again, answer nothing yet
    asked = "target_role" in source and not filtering
    initial = {k: source.getlist(k) if k == "members" else source.get(k) for k in source} if filtering else None
    form = WhatIfForm(source if asked else None, roles=roles, members=members, initial=initial)
    confirm = WhatIfConfirmForm(request.POST if request.method == "POST" else None)
    result = None
    if asked and form.is_valid():
        data = form.cleaned_data
        try:
            group = what_if_members(
                organization=organization,
                group=data["group"],
                members=[str(m.public_id) for m in data["members"]],
            )
            if request.method == "POST" and confirm.is_valid():
                track = what_if_confirm(
                    organization=organization,
                    members=group,
                    target_role=data["target_role"],
                    budget_per_person=confirm.cleaned_data["budget"],
                    weekly_hours=data["weekly_hours"],
                    deadline=data["deadline"],
                    name=confirm.cleaned_data["name"],
                    created_by=request.user if isinstance(request.user, User) else None,
                )
                messages.success(
                    request,
                    _("Track “%(name)s” created and assigned to %(n)d members.")
                    % {"name": track.name, "n": len(group)},
                )
                return redirect("learners:team", org_id=organization.pk)
            result = what_if(
                organization=organization,
                members=group,
                target_role=data["target_role"],
                budget_per_person=data["budget_per_person"],
                budget_b=data.get("budget_b"),
                weekly_hours=data["weekly_hours"],
                deadline=data["deadline"],
            )
        except (WhatIfError, TrackError) as exc:
            target = form if exc.field in form.fields else confirm
            target.add_error(exc.field if exc.field in target.fields else None, translate(message_of(exc)))
        else:
            audit_record(
                action=AuditAction.READ,
                event="orgs.what_if",
                actor=request.user if isinstance(request.user, User) else None,
                object_type="learners.organization",
                object_id=organization.pk,
                organization_id=organization.pk,
                detail={"people": len(group)},
            )
    scenarios = []
    if result is not None:
        for key, scenario in result["scenarios"].items():
            scenarios.append({**scenario, "key": key, "member_rows": scenario["members"][:WHAT_IF_MEMBER_ROWS]})
    comparison = [{**row, "label": _(WHAT_IF_TOTALS[row["total"]])} for row in (result or {}).get("comparison") or []]
    hidden = [
        (key, value)
        for key, values in source.lists()
        for value in values
        if key not in ("name", "budget", "csrfmiddlewaretoken", "member_filter")
    ]
    return render(
        request,
        "recommender/what_if.html",
        {
            "organization": organization,
            "form": form,
            "confirm": confirm,
            "result": result,
            "scenarios": scenarios,
            "comparison": comparison,
            "hidden": hidden if result is not None else [],
            "member_rows": WHAT_IF_MEMBER_ROWS,
            "picker": _member_picker(organization=organization, source=source, roles=roles),
            "picker_cap": WHAT_IF_PICKER_ROWS,
        },
        status=400 if (form.errors or confirm.errors) else 200,
    )
