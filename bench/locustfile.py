"""Locust users for bench/loadtest.py (run by it: `locust -f bench/locustfile.py --headless CLASS`).

The data (tokens, learner ids, course ids) come from the JSON file named by LOADTEST_DATA, written
by `bench/loadtest.py` after it set up the scratch database.  Each simulated user owns a disjoint
slice of the learners (LOADTEST_USERS users in all) and acts as the next learner of its slice on
each request, so a run reads the plans of many different learners.  No wait between requests:
every user sends its next request as soon as the previous one is answered (a closed loop).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import FastHttpUser, constant, task

DATA: dict[str, Any] = json.loads(open(os.environ["LOADTEST_DATA"], encoding="utf-8").read())  # noqa: SIM115
USERS = max(1, int(os.environ.get("LOADTEST_USERS", "1")))
BATCH = int(os.environ.get("LOADTEST_BATCH", "50"))
_numbers = itertools.count()


class _LearnerUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    path = ""

    def on_start(self) -> None:
        number = next(_numbers) % USERS
        tokens: list[str] = DATA["learner_tokens"]
        self.tokens = itertools.cycle(tokens[number::USERS] or tokens)

    def get_as_next_learner(self) -> None:
        headers = {"Authorization": f"Bearer {next(self.tokens)}", "Accept": "application/json"}
        with self.client.get(self.path, headers=headers, name=self.path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:120]}")


class Baseline(_LearnerUser):
    """A trivial authenticated endpoint: token lookup and one tiny query."""

    path = "/api/v1/orgs/"

    @task
    def orgs(self) -> None:
        self.get_as_next_learner()


class Plan(_LearnerUser):
    """The learner's stored plan (warm: computed before the run)."""

    path = "/api/v1/me/plan"

    @task
    def plan(self) -> None:
        self.get_as_next_learner()


class Ingest(FastHttpUser):
    """An LMS posting batches of progress events, each with a new idempotency key."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()  # noqa: S311 - test data, not security
        self.prefix = uuid.uuid4().hex[:12]
        self.sent = 0
        self.headers = {"Authorization": f"Bearer {DATA['submitter_token']}", "Accept": "application/json"}
        self.t0 = datetime.now(UTC) - timedelta(days=60)

    def event(self) -> dict[str, Any]:
        self.sent += 1
        kind = self.rng.choices(["enrolled", "progress", "completed", "dropped"], [2, 6, 1, 1])[0]
        event: dict[str, Any] = {
            "idempotency_key": f"load-{self.prefix}-{self.sent}",
            "learner": self.rng.choice(DATA["learner_ids"]),
            "course": self.rng.choice(DATA["course_ids"]),
            "kind": kind,
            "occurred_at": (self.t0 + timedelta(seconds=self.rng.randrange(50 * 86400))).isoformat(),
            "source": "loadtest",
        }
        if kind == "progress":
            event["percent"] = self.rng.randrange(1, 100)
        return event

    @task
    def post_batch(self) -> None:
        body = {"events": [self.event() for _ in range(BATCH)]}
        name = "/api/v1/progress-events/"
        with self.client.post(name, json=body, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:120]}")
            elif (response.json() or {}).get("created") != BATCH:
                response.failure(f"not all created: {(response.text or '')[:120]}")
