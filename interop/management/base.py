from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class VersionCodeCommand(BaseCommand):
    """A command whose `--version CODE` names a standard version (replacing Django's program `--version`)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)
