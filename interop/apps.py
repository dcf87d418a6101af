from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = _("Standards in and out")

    def ready(self) -> None:
        from interop import checks, receivers  # noqa: F401  (registers the checks and signal receivers)
