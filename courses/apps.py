from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Course catalog")

    def ready(self) -> None:
        from courses import (  # noqa: F401
            receivers,  # provider accounts in the audit log
            signals,  # connects the catalog version bumps
        )
