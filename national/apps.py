from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    name = "national"
    verbose_name = _("National progress")

    def ready(self) -> None:
        from national import signals  # noqa: F401  (erasure, enrollment edits and catalog changes update the rollup)
