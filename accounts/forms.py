from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.backends import lockout_wait

LOCKED_MESSAGE = _("Too many failed attempts. Try again in %(minutes)s minutes.")


class LockoutMixin:
    """Say plainly that the account is locked instead of 'wrong password'."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        wait = lockout_wait(request=self.request, username=username) if username else 0
        if wait:
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked", params={"minutes": max(1, (wait + 59) // 60)})
        return super().clean()  # type: ignore[misc]


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    pass
