from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"

    def ready(self) -> None:
        from learners import exam_receivers  # noqa: F401  (connects the exam map signal)
