"""Text normalisation shared by every encoder (plain Python)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width ＡＩ -> AI, half-width ｶﾅ -> カナ), lower case, single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()
