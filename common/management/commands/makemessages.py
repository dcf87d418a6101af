"""`makemessages` that also extracts `Message("...")` (common/messages.py): messages built in parsers and
services, translated where they are shown (docs/translation.md)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=Message"]
