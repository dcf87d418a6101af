"""Reads that survive a timestamp psycopg cannot represent.

A `timestamptz` before year 1 (PostgreSQL stores `0001-01-01T00:00:00+14:00` as
`0001-12-31 10:00:00+00 BC`), after year 9999, or `±infinity` makes psycopg's loader raise
DataError, and every query that reads the row fails: before the input boundary refused such times,
one event could break a learner's pages, their organisation's pages and their erasure.  This loader
reads such a value as the nearest representable instant (`datetime.min` or `datetime.max`, UTC), so
pages, exports and erasure keep working; `manage.py repair_dates` finds and fixes the rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

FAR_PAST = datetime.min.replace(tzinfo=UTC)
FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _robust_loader(tz: tzinfo | None) -> type:
    import psycopg
    from psycopg.types.datetime import TimestamptzLoader

    class RobustTimestamptzLoader(TimestamptzLoader):
        timezone = tz  # what Django's create_cursor compares before registering its own loader

        def load(self, data: Any) -> datetime:
            try:
                value: datetime = super().load(data)
            except psycopg.DataError:
                text = bytes(data).strip()
                value = FAR_PAST if text.endswith(b"BC") or text.startswith(b"-") else FAR_FUTURE
            return value.replace(tzinfo=self.timezone)  # as Django's BaseTzLoader does

    return RobustTimestamptzLoader


def install_robust_timestamp_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: PostgreSQL connections read out-of-range timestamps without failing."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    connection.connection.adapters.register_loader("timestamptz", _robust_loader(connection.timezone))
