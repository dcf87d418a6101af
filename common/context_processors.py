from django.http import HttpRequest

from learners.selectors import organizations_administered_by


def navigation(request: HttpRequest) -> dict[str, bool]:
    """Whether to show the Team link (one query, only for signed-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_org_admin": False}
    return {"nav_is_org_admin": organizations_administered_by(user=user).exists()}
