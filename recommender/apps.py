from typing import Any

from django.apps import AppConfig
from django.core.checks import Error, register


class RecommenderConfig(AppConfig):
    name = "recommender"

    def ready(self) -> None:
        register(check_model_directory)


def check_model_directory(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A missing model directory is a start-up error that names the setting."""
    from django.conf import settings

    from recommender.engine import model_directory, parse_weights

    try:
        parse_weights(settings.RECOMMENDER_WEIGHTS)
    except ValueError as exc:
        return [
            Error(
                f"RECOMMENDER_WEIGHTS: {exc}.",
                hint="Three non-negative numbers 'dense,sparse,keyword', for example '0.60,0.40,0.00'.",
                id="recommender.E003",
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
    path = model_directory()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        return [
            Error(
                f"RECOMMENDER_MODEL points to {path}, which holds no sentence-transformers model.",
                hint="Set RECOMMENDER_MODEL to a model directory, 'bundled' for the packaged all-MiniLM-L6-v2, "
                "or RECOMMENDER_DENSE=false to run without a dense model.",
                id="recommender.E001",
            )
        ]
    return []
