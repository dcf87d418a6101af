from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"

    def ready(self) -> None:
        from learners import (  # noqa: F401
            exam_receivers,  # connects the exam map signal
            receivers,  # memberships in the audit log
            rollup_receivers,  # the employer dashboard's rollups
        )
