from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site itself, the top layer: the home page, the navigation, the demo world and the synthetic
    population.  It may import every other app; only config/ (settings, urls) imports it."""

    name = "portal"
    verbose_name = "Portal"
