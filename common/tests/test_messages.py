"""Messages built without a request (common/messages.py), translated where they are shown (common/i18n.py)."""

import copy
import json
import pickle

from django.template import Context, Template
from django.utils import translation

from common.i18n import translate
from common.messages import Message, message_of

OUT_OF_RANGE = "%(value)s is out of range: must be from %(low)s to %(high)s"


def test_a_message_is_its_english_text():
    message = Message(OUT_OF_RANGE, value=5, low=1, high=4)
    assert message == "5 is out of range: must be from 1 to 4"
    assert isinstance(message, str) and f"level: {message}" == "level: 5 is out of range: must be from 1 to 4"
    assert json.dumps({"message": message}) == '{"message": "5 is out of range: must be from 1 to 4"}'
    assert Message("no parameters, 100%% plain") == "no parameters, 100% plain"


def test_translate_uses_the_active_language_and_translates_parameters():
    inner = Message("contains a NUL character")
    with translation.override("ja"):
        assert (
            translate(Message(OUT_OF_RANGE, value=5, low=1, high=4)) == "5 は範囲外です。1から4までで指定してください"
        )
        assert translate(Message("the key %(problem)s", problem=inner)) == "キーにNUL文字が含まれています"
        assert translate("plain text is left alone") == "plain text is left alone"
        assert Template("{% load dxp %}{{ m|translated }}").render(Context({"m": inner})) == "NUL文字が含まれています"
    with translation.override("en"):
        assert translate(Message("the key %(problem)s", problem=inner)) == "the key contains a NUL character"


def test_a_message_survives_exceptions_pickle_and_copy():
    message = Message(OUT_OF_RANGE, value=5, low=1, high=4)
    kept = message_of(ValueError(message))
    assert isinstance(kept, Message) and kept.params == {"value": 5, "low": 1, "high": 4}
    assert message_of(ValueError("plain")) == "plain"
    for clone in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message), copy.copy(message)):  # noqa: S301
        assert isinstance(clone, Message) and clone == message and clone.template == OUT_OF_RANGE
