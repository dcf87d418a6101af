"""Importance grades of a role's skill items (a, b, c, d): which ones a plan or track focuses on.

Plain Python (no Django import): the recommender's core uses it too.
"""

from __future__ import annotations

# The role's key items: grade a or b.  Plans take these up first, tracks take only these, the
# capstone waits for them, gap reports count them as the core.
STRONG_GRADES: tuple[str, ...] = ("a", "b")
