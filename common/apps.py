from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from common.db import install_robust_timestamp_loader

        connection_created.connect(install_robust_timestamp_loader, dispatch_uid="common.robust_timestamps")
