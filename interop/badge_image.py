"""The image of an achievement: an SVG badge drawn from its name and kind (plain Python, no Django).

A track (LearningProgram) is a hexagon, a skill item level (Competency) a circle with the level's
pips; the colour is derived from the achievement key, so each achievement keeps its own.  All text
is XML-escaped; nothing is fetched (no fonts, no external references), so wallets can show it.
"""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

PALETTE = ["#1b5e20", "#0d47a1", "#4a148c", "#b71c1c", "#e65100", "#006064", "#263238", "#33691e"]


def _lines(text: str, width: int, limit: int = 3) -> list[str]:
    """Cut the name into at most `limit` lines of about `width` columns (a CJK character counts 2)."""
    lines, line, used = [], "", 0
    for char in text.strip():
        cost = 2 if ord(char) > 0x2E7F else 1
        if used + cost > width and line:
            lines.append(line)
            line, used = "", 0
            if len(lines) == limit:
                break
        line += char
        used += cost
    else:
        if line:
            lines.append(line)
        return lines
    lines[-1] = lines[-1][:-1] + "…"
    return lines


def achievement_svg(*, key: str, name: str, kind: str, level: int | None = None, issuer: str = "") -> str:
    """An SVG document (256 x 256) for the achievement."""
    colour = PALETTE[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(PALETTE)]
    if kind == "track":
        shape = f'<polygon points="128,8 232,68 232,188 128,248 24,188 24,68" fill="{colour}"/>'
    else:
        shape = f'<circle cx="128" cy="128" r="120" fill="{colour}"/>'
    texts = []
    lines = _lines(name, 16)
    top = 118 - 12 * (len(lines) - 1)
    for index, line in enumerate(lines):
        y = top + 24 * index
        texts.append(f'<text x="128" y="{y}" font-size="18" text-anchor="middle" fill="#fff">{escape(line)}</text>')
    pips = ""
    if level is not None:
        pips = "".join(
            f'<circle cx="{92 + 18 * i}" cy="196" r="6" fill="{"#fff" if i < level else "none"}" '
            f'stroke="#fff" stroke-width="2"/>'
            for i in range(4)
        )
    label = escape(issuer[:40])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" '
        f'aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f"<title>{escape(name)}</title>{shape}"
        '<circle cx="128" cy="128" r="100" fill="none" stroke="#fff" stroke-opacity="0.5" stroke-width="3"/>'
        f"{''.join(texts)}{pips}"
        f'<text x="128" y="226" font-size="11" text-anchor="middle" fill="#fff" fill-opacity="0.85">{label}</text>'
        "</svg>\n"
    )
