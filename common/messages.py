"""Messages built where no request is at hand and shown later in the viewer's language (plain Python, no Django).

A parser or a service that reports a problem (an import row, an exam pass, a breakdown request) does not
know the language of the page that will show it.  It returns a `Message`: the English text, as a `str`
(code that compares, joins, logs or stores it as JSON sees English, as before), which also keeps its
msgid and parameters, so that `common.i18n.translate` (and the `translated` template filter) renders it
in the active language:

    raise ValueError(Message("%(value)s is out of range: must be from %(low)s to %(high)s", value=5, low=1, high=4))

`makemessages` (common/management/commands/makemessages.py) extracts `Message("...")` like `gettext("...")`;
the translation goes into locale/<lang>/LC_MESSAGES/django.po (docs/translation.md).  Parameters are named
(`%(name)s`) so a translation may reorder them; a parameter that is itself a Message is translated too.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """English text that remembers its msgid (`template`) and `params`, to be translated where it is shown."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        self = super().__new__(cls, template % params)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy keep the template and the parameters
        return (_rebuild, (type(self), self.template, self.params))


def _rebuild(cls: type[Message], template: str, params: dict[str, Any]) -> Message:
    return cls(template, **params)


def message_of(exc: BaseException) -> str:
    """The message an exception was raised with, kept a Message when it is one (`str(exc)` would make it English)."""
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)


def message_dump(value: str) -> dict[str, Any] | str:
    """A JSON-ready form of a message that `message_load` turns back into a `Message` (plain text stays text).

    For messages stored now and shown later (an import job's problems): a parameter that is not a number,
    a boolean or text is kept as its text, which is what the English rendering used anyway."""
    if not isinstance(value, Message):
        return str(value)
    params: dict[str, Any] = {}
    for name, param in value.params.items():
        if isinstance(param, Message):
            params[name] = message_dump(param)
        elif isinstance(param, bool | int | float | str) or param is None:
            params[name] = param
        else:
            params[name] = str(param)
    return {"template": value.template, "params": params}


def message_load(data: Any) -> str:
    """The inverse of `message_dump`: a `Message` again (so it is shown translated), or the text as it is."""
    if isinstance(data, dict) and isinstance(data.get("template"), str):
        raw = data.get("params")
        params = {k: message_load(v) if isinstance(v, dict) else v for k, v in (raw or {}).items()}
        try:
            return Message(data["template"], **params)
        except (KeyError, TypeError, ValueError):
            return str(data["template"])
    return str(data)
