"""CI is deterministic: hypothesis runs derandomized under CI=true (issue 16)."""

import os

from hypothesis import settings


def test_hypothesis_profile_follows_ci():
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    expected = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if ci else "dev")
    assert settings._current_profile == expected
    if expected == "ci":
        current = settings.default
        assert current is not None and current.derandomize is True
        assert current.database is None


def test_the_ci_profile_is_derandomized():
    profile = settings.get_profile("ci")
    assert profile.derandomize is True and profile.database is None
