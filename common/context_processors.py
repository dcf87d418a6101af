from django.http import HttpRequest

from learners.selectors import organizations_administered_by
from national.selectors import national_viewer_allowed


def navigation(request: HttpRequest) -> dict[str, bool]:
    """Whether to show the Team and National links (only for signed-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_org_admin": False, "nav_is_ministry": False}
    return {
        "nav_is_org_admin": organizations_administered_by(user=user).exists(),
        "nav_is_ministry": national_viewer_allowed(user=user),
    }
