"""The learner web app (sign-up, onboarding, my learning) and the employer's team page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from accounts.models import RoleGroup
from accounts.services import user_has_role, user_role_grant
from audit.models import AuditAction
from audit.services import audit_record
from common.i18n import translate
from common.messages import message_of
from courses.models import Course, CourseStatus
from learners.exam_views import my_exams_context, team_exams_context
from learners.forms import (
    AccountDeleteForm,
    ConstraintsForm,
    ProgressForm,
    RoleForm,
    SelfAssessmentForm,
    SignupForm,
)
from learners.models import Enrollment, EnrollmentStatus, LearnerProfile, Organization, Track
from learners.selectors import (
    MEMBER_STATUSES,
    BadCursor,
    Cursor,
    enrollments_of,
    learner_current_levels,
    learner_data_export,
    learner_track_schedule,
    organization_for_admin,
    organizations_administered_by,
    role_group_preview,
    team_dashboard,
    team_member_page,
    track_for_admin,
    track_progress,
)
from learners.services import (
    TrackError,
    account_deletion_refusal,
    learner_account_delete,
    learner_profile_get_or_create,
    learner_profile_update,
    learner_progress_record,
    skill_assessments_record,
    track_assign,
    track_remind,
)
from learners.signals import learner_page_sections
from skills.grades import STRONG_GRADES
from skills.selectors import grade_targets, persona_type_list, skill_category_tree, standard_version_get


def _profile(request: HttpRequest) -> LearnerProfile:
    assert isinstance(request.user, User)  # login_required ran first
    return learner_profile_get_or_create(user=request.user)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        user_role_grant(user=user, role=RoleGroup.LEARNER)
        learner_profile_get_or_create(user=user)
        login(request, user, backend="accounts.backends.LockoutModelBackend")
        return redirect("learners:onboarding-role")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def onboarding_role(request: HttpRequest) -> HttpResponse:
    profile = _profile(request)
    version = standard_version_get()
    form = RoleForm(request.POST or None, roles=version.roles.all(), initial={"target_role": profile.target_role})
    if request.method == "POST" and form.is_valid():
        learner_profile_update(profile=profile, changes={"target_role": form.cleaned_data["target_role"]})
        return redirect("learners:onboarding-skills")
    return render(
        request,
        "learners/onboarding_role.html",
        {"form": form, "personas": persona_type_list(version=version), "step": 1, "current": profile.target_role},
        status=400 if form.errors else 200,
    )


# What each proficiency level of the standard (its labels are in the fixture) looks like in practice, so that a
# learner can place themselves; the same examples serve every skill item.
LEVEL_EXAMPLES = {
    0: gettext_noop("For example: you have not come across it yet."),
    1: gettext_noop(
        "For example: you know the term and why it matters, from a talk, an article or an introductory course."
    ),
    2: gettext_noop("For example: you can explain it to a colleague and follow a project meeting about it."),
    3: gettext_noop("For example: you have applied it in your own work, asking for help now and then."),
    4: gettext_noop("For example: you lead others in it, teach it, or decide how your organization does it."),
}


@login_required
def onboarding_skills(request: HttpRequest) -> HttpResponse:
    profile = _profile(request)
    if profile.target_role is None:
        return redirect("learners:onboarding-role")
    requirements = list(
        profile.target_role.requirements.filter(grade__in=STRONG_GRADES)
        .select_related("skill_item")
        .order_by("skill_item__position")
    )
    items = [r.skill_item for r in requirements]
    current = {k: v.level for k, v in learner_current_levels(learner=profile).items()}
    form = SelfAssessmentForm(request.POST or None, items=items, initial_levels=current)
    if request.method == "POST" and form.is_valid():
        skill_assessments_record(learner=profile, levels=form.levels(), recorded_by=profile.user)
        return redirect("learners:onboarding-constraints")
    targets = grade_targets(version=profile.target_role.version)
    rows = [
        {
            "field": form[f"item_{r.skill_item.code}"],
            "item": r.skill_item,
            "grade": r.grade,
            "target": targets.get(r.grade, 0),
        }
        for r in requirements
    ]
    levels = [
        {"level": level, "example": _(LEVEL_EXAMPLES[level.level]) if level.level in LEVEL_EXAMPLES else ""}
        for level in profile.target_role.version.proficiency_levels.order_by("level")
    ]
    return render(
        request,
        "learners/onboarding_skills.html",
        {"form": form, "rows": rows, "levels": levels, "step": 2, "role": profile.target_role},
        status=400 if form.errors else 200,
    )


@login_required
def onboarding_constraints(request: HttpRequest) -> HttpResponse:
    profile = _profile(request)
    initial = {
        "weekly_hours": profile.weekly_hours,
        "budget_jpy": profile.budget_jpy,
        "free_only": profile.free_only,
        "preferred_formats": profile.preferred_formats,
        "preferred_language": profile.preferred_language,
        "prefecture": profile.prefecture,
        "travel": profile.travel,
        "abroad": profile.abroad,
    }
    form = ConstraintsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes: dict[str, Any] = dict(form.cleaned_data)
        if profile.onboarded_at is None:
            changes["onboarded_at"] = timezone.now()
        learner_profile_update(profile=profile, changes=changes)
        return redirect("learners:me")
    return render(
        request, "learners/onboarding_constraints.html", {"form": form, "step": 3}, status=400 if form.errors else 200
    )


def _enrollments_by_status(enrollments: list[Enrollment]) -> dict[str, Any]:
    """My courses in three groups, so that a completed course never shows among those in progress."""
    groups: dict[str, list[Enrollment]] = {"active": [], "completed": [], "dropped": []}
    for e in enrollments:
        if e.status == EnrollmentStatus.COMPLETED:
            groups["completed"].append(e)
        elif e.status == EnrollmentStatus.DROPPED:
            groups["dropped"].append(e)
        else:
            groups["active"].append(e)
    return {
        "enrollments_active": groups["active"],
        "enrollments_completed": groups["completed"],
        "enrollments_dropped": groups["dropped"],
        "has_enrollments": any(groups.values()),
    }


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """My learning: current against target levels per category, enrollments, assigned tracks."""
    profile = _profile(request)
    if profile.onboarded_at is None or profile.target_role is None:
        return redirect("learners:onboarding-role")
    version = standard_version_get()
    targets = grade_targets(version=version)
    required = {r.skill_item_id: targets.get(r.grade, 0) for r in profile.target_role.requirements.all()}
    current = learner_current_levels(learner=profile)
    categories = []
    gaps: list[dict[str, Any]] = []
    for category in skill_category_tree(version=version):
        cur_sum = tgt_sum = n = 0
        for sub in category.subcategories.all():
            for item in sub.items.all():
                level = current[item.pk].level if item.pk in current else 0
                target = required.get(item.pk, 0)
                cur_sum, tgt_sum, n = cur_sum + level, tgt_sum + target, n + 1
                if target > level:
                    gaps.append({"item": item, "current": level, "target": target, "gap": target - level})
        categories.append(
            {
                "category": category,
                "current": round(cur_sum / n, 1) if n else 0,
                "target": round(tgt_sum / n, 1) if n else 0,
            }
        )
    gaps.sort(key=lambda g: (-g["gap"], g["item"].position))
    # read once: the page groups them and the sections (the plan's progress) count them
    enrollments = list(enrollments_of(learner=profile).order_by("-enrolled_at"))
    return render(
        request,
        "learners/me.html",
        {
            "profile": profile,
            "categories": categories,
            "gaps": gaps[:12],
            **_enrollments_by_status(enrollments),
            "assignments": learner_track_schedule(learner=profile),
            "sections": _page_sections(profile, enrollments),
            **my_exams_context(profile),
        },
    )


def _page_sections(profile: LearnerProfile, enrollments: list[Enrollment]) -> list[dict[str, Any]]:
    """The parts of /me/ that higher apps contribute (learners.signals.learner_page_sections), in their order:
    the recommender's plan progress, for one, without learners importing the recommender.  The receivers get
    the enrollments the page already read, so that they need not read them again."""
    answers: list[Any] = [
        answer
        for _receiver, answer in learner_page_sections.send(
            sender=LearnerProfile, learner=profile, enrollments=enrollments
        )
    ]
    return sorted((s for s in answers if s), key=lambda s: s.get("order", 100))


MEMBERS_PER_PAGE = 25
OVERDUE_NAMES_SHOWN = 50  # per track on the team page; the track's own page lists everyone
TOP_GAPS = 5  # per role, in the phone layout of the heatmap

MEMBER_STATUS_LABELS = {
    "overdue": gettext_noop("Overdue"),
    "in_progress": gettext_noop("In progress"),
    "complete": gettext_noop("Complete"),
    "no_track": gettext_noop("No track"),
    "not_shared": gettext_noop("Not shared"),
}


def _admin_org(request: HttpRequest, org_id: int) -> Organization:
    organization = organization_for_admin(user=request.user, organization_id=org_id)
    if organization is None:
        raise Http404("No such organization among those you administer.")
    return organization


@login_required
def team(request: HttpRequest, org_id: int) -> HttpResponse:
    """The employer's team page: members (role, progress, overdue; filter, search, pages), tracks, and the
    heatmap of role x item gaps with item names, a legend and, on a phone, the top gaps per role as a list."""
    organization = _admin_org(request, org_id)
    data = team_dashboard(organization=organization, overdue_names=True)
    version = standard_version_get()
    roles = {r.code: r for r in version.roles.order_by("position")}
    role_code = request.GET.get("role", "")
    role_code = role_code if role_code in roles else ""
    status = request.GET.get("status", "")
    status = status if status in MEMBER_STATUSES else ""
    query = (request.GET.get("q") or "").strip()[:100]
    try:
        cursor = Cursor.decode(request.GET["cursor"]) if request.GET.get("cursor") else None
    except BadCursor:
        cursor = None  # a stale or edited link shows the first page
    page = team_member_page(
        organization=organization,
        role_code=role_code,
        status=status,
        query=query,
        cursor=cursor,
        per_page=MEMBERS_PER_PAGE,
    )
    audit_record(
        action=AuditAction.READ,
        event="team.page",
        object_type="learners.organization",
        object_id=organization.pk,
        organization_id=organization.pk,
        detail={"people": data["members"], "listed": len(page.items)},
    )
    items = list(version.skill_items.order_by("position"))
    by_code = {i.code: i for i in items}
    heat_rows = [{**row, "role": roles[row["role"]]} for row in data["heatmap"]]
    top_gaps = [
        {
            "role": row["role"],
            "members": row["members"],
            "gaps": [
                {**cell, "item": by_code[cell["skill"]]}
                for cell in sorted(
                    (c for c in row["cells"] if c["gap"] is not None and c["gap"] > 0), key=lambda c: -c["gap"]
                )[:TOP_GAPS]
            ],
        }
        for row in heat_rows
    ]
    tracks = [
        {
            **t,
            "overdue_count": len(t["overdue"]),
            "overdue_names": t["overdue_names"][:OVERDUE_NAMES_SHOWN],
            "overdue_more": max(0, len(t["overdue_names"]) - OVERDUE_NAMES_SHOWN),
        }
        for t in data["tracks"]
    ]
    params = {k: v for k, v in (("role", role_code), ("status", status), ("q", query)) if v}
    return render(
        request,
        "learners/team.html",
        {
            "organization": organization,
            "data": data,
            "rows": heat_rows,
            "top_gaps": top_gaps,
            "items": items,
            "tracks": tracks,
            "page": page,
            "filters": {"role": role_code, "status": status, "q": query},
            "filter_query": urlencode(params),
            "roles": list(roles.values()),
            "statuses": [(k, _(v)) for k, v in MEMBER_STATUS_LABELS.items()],
            "status_labels": {k: _(v) for k, v in MEMBER_STATUS_LABELS.items()},
            "legend": [
                ("g0", _("no gap")),
                ("g1", _("under 1 level")),
                ("g2", _("1 to 2 levels")),
                ("g3", _("2 to 3 levels")),
                ("g4", _("3 levels or more")),
                ("gx", _("nobody shares levels")),
            ],
            **team_exams_context(organization),
        },
    )


def _track_context(request: HttpRequest, track: Track) -> dict[str, Any]:
    progress = track_progress(track=track)
    version = standard_version_get()
    role_code = request.GET.get("role", "")
    role = version.roles.filter(code=role_code).first() if role_code else None
    preview = role_group_preview(track=track, role_code=role.code) if role else None
    shared = [p for p in progress if p.shared]
    return {
        "organization": track.organization,
        "track": track,
        "items": list(track.items.select_related("course__provider").order_by("position")),
        "people": shared,
        "not_sharing": len(progress) - len(shared),
        "to_remind": sum(p.required_done < p.required_total for p in shared),
        "roles": list(version.roles.order_by("position")),
        "preview_role": role,
        "preview": preview,
    }


@login_required
def team_track(request: HttpRequest, org_id: int, track_id: int) -> HttpResponse:
    """A track: its courses, each consenting assignee's progress, a reminder, and assignment by role group."""
    track = track_for_admin(user=request.user, organization_id=org_id, track_id=track_id)
    if track is None:
        raise Http404("No such track among your organizations'.")
    context = _track_context(request, track)
    audit_record(
        action=AuditAction.READ,
        event="track.page",
        object_type="learners.track",
        object_id=track.pk,
        organization_id=track.organization_id,
        detail={"people": len(context["people"])},
    )
    return render(request, "learners/track_detail.html", context)


@login_required
@require_POST
def team_track_remind(request: HttpRequest, org_id: int, track_id: int) -> HttpResponse:
    """E-mail the assignees who are behind (at most once a day each; learners.services.track_remind)."""
    track = track_for_admin(user=request.user, organization_id=org_id, track_id=track_id)
    if track is None:
        raise Http404("No such track among your organizations'.")
    report = track_remind(track=track, sent_by=request.user if isinstance(request.user, User) else None)
    if report.sent:
        n = len(report.sent)
        messages.success(
            request, ngettext("Reminder sent to %(n)d person.", "Reminder sent to %(n)d people.", n) % {"n": n}
        )
    else:
        messages.info(request, _("Nobody to remind now."))
    if report.already_today:
        n = len(report.already_today)
        messages.info(
            request,
            ngettext(
                "%(n)d person was already reminded today and gets no second e-mail.",
                "%(n)d people were already reminded today and get no second e-mail.",
                n,
            )
            % {"n": n},
        )
    if report.no_email:
        n = len(report.no_email)
        messages.warning(
            request,
            ngettext("%(n)d person has no e-mail address.", "%(n)d people have no e-mail address.", n) % {"n": n},
        )
    return redirect("learners:team-track", org_id=org_id, track_id=track.pk)


@login_required
@require_POST
def team_track_assign_role(request: HttpRequest, org_id: int, track_id: int) -> HttpResponse:
    """Assign the track to every member whose shared target role is the chosen one (after the preview)."""
    track = track_for_admin(user=request.user, organization_id=org_id, track_id=track_id)
    if track is None:
        raise Http404("No such track among your organizations'.")
    role = standard_version_get().roles.filter(code=request.POST.get("role", "")).first()
    if role is None:
        context = _track_context(request, track)
        context["role_error"] = _("Choose a role.")
        return render(request, "learners/track_detail.html", context, status=400)
    preview = role_group_preview(track=track, role_code=role.code)
    try:
        new, _already = track_assign(
            track=track,
            learners=preview["new"],
            due_on=None,
            assigned_by=request.user if isinstance(request.user, User) else None,
        )
    except TrackError as exc:
        messages.error(request, translate(message_of(exc)))
    else:
        messages.success(
            request,
            ngettext(
                "Track assigned to %(n)d member with the role %(role)s.",
                "Track assigned to %(n)d members with the role %(role)s.",
                new,
            )
            % {"n": new, "role": role.name_en if request.LANGUAGE_CODE == "en" else role.name_ja},
        )
    return redirect("learners:team-track", org_id=org_id, track_id=track.pk)


@login_required
def my_organizations(request: HttpRequest) -> HttpResponse:
    orgs = list(organizations_administered_by(user=request.user))
    if len(orgs) == 1:
        return redirect("learners:team", org_id=orgs[0].pk)
    return render(request, "learners/orgs.html", {"organizations": orgs})


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a signed-in person lands: their team page, the national dashboard, the admin, or their learning."""
    if organizations_administered_by(user=request.user).exists():
        return redirect("learners:orgs")
    if user_has_role(request.user, RoleGroup.MINISTRY):  # type: ignore[arg-type]
        return redirect("national:dashboard")
    if getattr(request.user, "is_staff", False):
        return redirect("admin:index")
    return redirect("learners:me")


PROGRESS_MESSAGES = {
    "enrolled": gettext_noop("You are enrolled in “%(course)s”."),
    "progress": gettext_noop("Progress on “%(course)s” saved."),
    "completed": gettext_noop("“%(course)s” is complete: your levels and plan are updated."),
}


@login_required
@require_POST
def course_progress(request: HttpRequest, course_id: int) -> HttpResponse:
    """The learner's own report on a course (enroll, progress, complete), idempotent per form."""
    profile = _profile(request)
    course = get_object_or_404(Course, pk=course_id, status=CourseStatus.PUBLISHED)
    form = ProgressForm(request.POST)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    if not form.is_valid():
        errors = "; ".join(str(e) for field in form.errors.values() for e in field)
        messages.error(request, errors)
        return redirect(target or "recommender:plan")
    data = form.cleaned_data
    percent = data["percent"] if data["action"] == "progress" else None
    outcome = learner_progress_record(
        learner=profile, course=course, kind=data["action"], key=f"{data['key']}-{course.pk}", percent=percent
    )
    if outcome.status == "rejected":
        messages.error(request, translate(outcome.reason))
    else:
        title = course.title_en if request.LANGUAGE_CODE == "en" and course.title_en else course.title_ja
        messages.success(request, _(PROGRESS_MESSAGES[data["action"]]) % {"course": title})
    return redirect(target or "recommender:plan")


@login_required
def my_data_export(request: HttpRequest) -> HttpResponse:
    """Download everything stored about me as JSON (the same document as GET /api/v1/me/export)."""
    profile = _profile(request)
    with transaction.atomic():
        data = learner_data_export(learner=profile)
        audit_record(action=AuditAction.EXPORT, event="me.export", actor=profile.user, subject=profile.user)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="dxpathways-my-data.json"'
    response["Cache-Control"] = "private, no-store"  # personal data: never kept by a cache
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Confirm with the password, then erase the account and everything about the learner."""
    assert isinstance(request.user, User)
    user = request.user
    form = AccountDeleteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        problem = account_deletion_refusal(user=user, password=form.cleaned_data["password"], request=request)
        if problem is None:
            learner_account_delete(learner=learner_profile_get_or_create(user=user))
            logout(request)
            return render(request, "learners/account_deleted.html")
        form.add_error("password" if problem.field == "password" else None, _refusal_text(problem.field, problem.wait))
        status = 429 if problem.wait else 403 if problem.field == "account" else 400
    elif form.errors:
        status = 400
    return render(request, "learners/account_delete.html", {"form": form}, status=status)


def _refusal_text(field: str, wait: int) -> str:
    if field == "account":
        return str(_("Staff accounts are removed by another administrator."))
    if wait:
        return str(
            _("Too many failed attempts. Try again in %(minutes)s minutes.") % {"minutes": max(1, (wait + 59) // 60)}
        )
    return str(_("The password is not correct."))
