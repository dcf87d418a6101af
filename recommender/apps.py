from typing import Any

from django.apps import AppConfig
from django.core.checks import Error, register


class RecommenderConfig(AppConfig):
    name = "recommender"

    def ready(self) -> None:
        from recommender import receivers  # noqa: F401  (re-plans, refreshes stale plans, tags, retrains)

        register(check_model_directory)


def check_model_directory(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A missing model directory is a start-up error that names the setting."""
    from django.conf import settings

    from recommender.engine import BUILD_HINT, missing_model_message, parse_weights

    try:
        if settings.RECOMMENDER_WEIGHTS.strip() != "auto":
            parse_weights(settings.RECOMMENDER_WEIGHTS)
    except ValueError as exc:
        return [
            Error(
                f"RECOMMENDER_WEIGHTS: {exc}.",
                hint="Three non-negative numbers 'dense,sparse,keyword', for example '0.60,0.40,0.00', or 'auto'.",
                id="recommender.E003",
            )
        ]
    try:
        threshold = float(settings.RECOMMENDER_TAG_THRESHOLD)
    except (TypeError, ValueError):
        threshold = -1.0
    if not 0.0 < threshold < 1.0:
        return [
            Error(
                f"RECOMMENDER_TAG_THRESHOLD is {settings.RECOMMENDER_TAG_THRESHOLD!r}.",
                hint="A probability strictly between 0 and 1, for example 0.55.",
                id="recommender.E004",
            )
        ]
    if not settings.RECOMMENDER_DENSE:
        return []
    if settings.RECOMMENDER_DENSE_LANGUAGES not in {"auto", "en", "all"}:
        return [
            Error(
                f"RECOMMENDER_DENSE_LANGUAGES is {settings.RECOMMENDER_DENSE_LANGUAGES!r}.",
                hint="Use 'en' (English-only model), 'all' (multilingual model) or 'auto'.",
                id="recommender.E002",
            )
        ]
    problem = missing_model_message()
    if problem:
        return [
            Error(
                problem[0].upper() + problem[1:] + ".",
                hint=f"For the default model {BUILD_HINT}; or set RECOMMENDER_MODEL to a model directory, 'bundled' "
                "for the packaged English all-MiniLM-L6-v2, or RECOMMENDER_DENSE=false to run without a dense model.",
                id="recommender.E001",
            )
        ]
    return []
