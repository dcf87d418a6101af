from django.http import HttpRequest

from courses.models import Provider
from learners.selectors import organizations_administered_by
from national.selectors import national_viewer_allowed


def navigation(request: HttpRequest) -> dict[str, bool]:
    """Whether to show the Team, Upload and National links (small queries, only for signed-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_org_admin": False, "nav_is_provider": False, "nav_is_ministry": False}
    return {
        "nav_is_org_admin": organizations_administered_by(user=user).exists(),
        "nav_is_provider": user.is_staff or Provider.objects.filter(members=user).exists(),
        "nav_is_ministry": national_viewer_allowed(user=user),
    }
