"""xAPI statements out, against a real (tiny, local) LRS: once each, retried after a 503, pseudonymous."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from celery.exceptions import Retry
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from interop.models import XapiStatementOut
from interop.services import xapi_statement_send
from interop.tasks import xapi_statement_send_task

from .conftest import complete, record_levels

pytestmark = pytest.mark.django_db


class FakeLrs:
    """Stores statements by id like an LRS; answers 503 to the next `unavailable` requests."""

    def __init__(self) -> None:
        self.statements: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.unavailable = 0
        self.status = 204
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                query = parse_qs(urlparse(self.path).query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                lrs.requests.append({"path": self.path, "headers": headers, "body": body})
                if lrs.unavailable:
                    lrs.unavailable -= 1
                    self.send_response(503)
                elif lrs.status != 204:
                    self.send_response(lrs.status)
                else:
                    lrs.statements.setdefault(query["statementId"][0], body)
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def lrs() -> Iterator[FakeLrs]:
    server = FakeLrs()
    with override_settings(
        XAPI_LRS_ENDPOINT=server.url, XAPI_LRS_USERNAME="dxp", XAPI_LRS_PASSWORD="s3cret", XAPI_MAX_ATTEMPTS=3
    ):
        yield server
    server.server.shutdown()
    server.server.server_close()


def test_a_completion_arrives_once_with_a_pseudonymous_actor(world, lrs):
    complete(world, world.learner, world.optional)  # teaches no skill: one statement, no level change
    (statement,) = lrs.statements.values()
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["object"]["id"] == world.optional.url
    assert statement["actor"]["account"] == {"homePage": "http://localhost:8000/", "name": str(world.learner.public_id)}
    assert world.learner.user.email not in json.dumps(lrs.requests)
    (request,) = lrs.requests
    assert request["path"] == f"/xapi/statements?statementId={statement['id']}"
    assert request["headers"]["x-experience-api-version"] == "1.0.3"
    assert "version" not in statement  # a statement producer leaves `version` to the LRS
    from interop.xapi_validate import statement_problems

    assert statement_problems(statement) == []  # and this service's own LRS would take it
    assert request["headers"]["authorization"] == "Basic " + base64.b64encode(b"dxp:s3cret").decode()
    # the same completion reported again, and a flush: nothing is sent twice
    complete(world, world.learner, world.optional, "done-again")
    call_command("flush_xapi_outbox", "--all")
    assert len(lrs.requests) == 1
    row = XapiStatementOut.objects.get()
    assert row.status == "sent" and row.attempts == 1
    assert xapi_statement_send(statement_id=str(row.statement_id), force=True).status == "already_sent"


def test_a_503_is_retried_with_backoff_and_the_statement_arrives_once(world, lrs):
    lrs.unavailable = 1
    before = timezone.now()
    complete(world, world.learner, world.optional)
    row = XapiStatementOut.objects.get()
    assert (row.status, row.attempts, lrs.statements) == ("pending", 1, {})
    assert "HTTP 503" in row.last_error
    assert row.next_attempt_at >= before + timedelta(seconds=30)  # XAPI_RETRY_BASE_SECONDS
    call_command("flush_xapi_outbox")  # not due yet: nothing happens
    assert len(lrs.requests) == 1
    # a worker (not eager) asks Celery to retry after the backoff
    with pytest.raises(Retry):
        xapi_statement_send_task.run(statement_id=str(row.statement_id))
    XapiStatementOut.objects.update(next_attempt_at=timezone.now())
    call_command("flush_xapi_outbox")
    row.refresh_from_db()
    assert (row.status, row.attempts, len(lrs.statements), len(lrs.requests)) == ("sent", 2, 1, 2)


def test_gives_up_after_max_attempts_and_on_a_client_error(world, lrs):
    lrs.unavailable = 10
    complete(world, world.learner, world.optional)
    for _ in range(3):
        call_command("flush_xapi_outbox", "--all")
    row = XapiStatementOut.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    lrs.unavailable, lrs.status = 0, 400
    complete(world, world.other, world.optional, "other-done")
    other = XapiStatementOut.objects.get(learner=world.other)
    assert (other.status, other.attempts) == ("failed", 1)


def test_a_level_change_is_sent_and_an_unchanged_level_is_not(world, lrs, standard):
    bt01 = standard.skill_items.get(code="BT01")
    record_levels(world.learner, {bt01: 2})
    (statement,) = lrs.statements.values()
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/scored"
    assert statement["result"]["score"]["raw"] == 2
    assert "/ims/case/v1p1/CFItems/" in statement["object"]["id"]
    record_levels(world.learner, {bt01: 2})  # the same level again: no change, no statement
    record_levels(world.learner, {bt01: 3})
    assert sorted(s["result"]["score"]["raw"] for s in lrs.statements.values()) == [2, 3]


def test_a_tagged_course_completion_also_reports_the_level_it_showed(world, lrs):
    complete(world, world.learner, world.course)  # teaches DU04 at level 1
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in lrs.statements.values())
    assert verbs == ["completed", "scored"]


def test_nothing_is_queued_without_an_lrs(world):
    complete(world, world.learner, world.course)
    assert not XapiStatementOut.objects.exists()


def test_erasure_deletes_the_learners_statements(world, lrs):
    from learners.services import learner_account_delete

    lrs.unavailable = 1
    complete(world, world.learner, world.course)
    learner_account_delete(learner=world.learner)
    assert not XapiStatementOut.objects.exists()
