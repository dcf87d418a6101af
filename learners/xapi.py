"""xAPI statements in: `registered`, `progressed` and `completed` become progress events.

The statements arrive through the xAPI Statements resource (interop/api/xapi.py), which validates
them strictly first.  The statement id is the idempotency key; the actor is the learner's public id
as an account name (or their e-mail as `mbox`); the activity id is the course's URL, or this
service's own course IRI `<PUBLIC_BASE_URL>/courses/<id>/` (what the outbound statements use).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from common.input_checks import scaled_score_problem
from courses.models import Course
from learners.models import LearnerProfile

VERBS = {
    "http://adlnet.gov/expapi/verbs/registered": "enrolled",
    "http://adlnet.gov/expapi/verbs/progressed": "progress",
    "http://adlnet.gov/expapi/verbs/completed": "completed",
}
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def statements_to_events(statements: list[Any]) -> list[dict[str, Any] | str]:
    """Each statement becomes an event dict for `event_parse`, or a rejection reason."""
    urls = {
        s.get("object", {}).get("id") for s in statements if isinstance(s, dict) and isinstance(s.get("object"), dict)
    }
    course_by_url = dict(
        Course.objects.filter(url__in=[u for u in urls if isinstance(u, str) and u and "\x00" not in u]).values_list(
            "url", "pk"
        )
    )
    emails = {
        s["actor"]["mbox"].removeprefix("mailto:")
        for s in statements
        if isinstance(s, dict) and isinstance(s.get("actor"), dict) and isinstance(s["actor"].get("mbox"), str)
    }
    learner_by_email = {
        email: str(pid)
        for email, pid in LearnerProfile.objects.filter(
            user__email__in=[e for e in emails if "\x00" not in e]
        ).values_list("user__email", "public_id")
    }
    base = re.escape(str(settings.PUBLIC_BASE_URL).rstrip("/"))
    own_course = re.compile(rf"^{base}/courses/(\d+)/?$")
    out: list[dict[str, Any] | str] = []
    for s in statements:
        if not isinstance(s, dict):
            out.append("statement: must be an object")
            continue
        verb = VERBS.get(str(_obj(s.get("verb")).get("id", "")))
        if verb is None:
            out.append(f"verb: only {', '.join(sorted(VERBS))} are accepted")
            continue
        actor = _obj(s.get("actor"))
        learner = _obj(actor.get("account")).get("name")
        mbox = actor.get("mbox")
        if learner is None and isinstance(mbox, str):
            learner = learner_by_email.get(mbox.removeprefix("mailto:"), "unknown")
        activity = _obj(s.get("object")).get("id")
        course: Any = course_by_url.get(activity, activity) if isinstance(activity, str) else activity
        own = own_course.match(activity) if isinstance(activity, str) and activity not in course_by_url else None
        if own:
            course = int(own.group(1))
        event: dict[str, Any] = {
            "idempotency_key": s.get("id"),
            "learner": learner,
            "course": course,
            "kind": verb,
            "occurred_at": s.get("timestamp"),
            "source": "xapi",
        }
        if verb == "progress":
            result = _obj(s.get("result"))
            progress = _obj(result.get("extensions")).get(PROGRESS_EXTENSION)
            scaled = _obj(result.get("score")).get("scaled")
            if problem := scaled_score_problem(scaled):  # -1..1 (a shared check: common/input_checks.py)
                out.append(problem)
                continue
            if progress is None and isinstance(scaled, int | float):
                progress = round(scaled * 100)
            event["percent"] = progress
        out.append(event)
    return out
