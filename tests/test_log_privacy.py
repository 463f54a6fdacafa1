"""No log line carries a phone number, what a user wrote, or a secret: planted in a real pipeline run
(webhook payload → worker → responder that fails and logs → Graph refusing the reply → httpx's own
lines), every line is scanned. Numbers become a keyed hash that still correlates one person's lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence

import httpx
import pytest
import structlog

from base.turn import ReplyPart, Turn
from hudhud.log_privacy import Redactor, hash_key, private, secrets_of
from hudhud.logging import configure_logging, log_privacy
from tests.helpers import PNID, envelope, message, uncache_loggers, wait_for
from tests.pipeline import running_pipeline

USER = "966512345678"
PLANTED_TEXT = "my secret plan is to buy the blue house on Olaya street"
ACCESS_TOKEN = "EAAG-planted-access-token-0123456789"
APP_SECRET = "planted-app-secret-abcdef0123456789"
ENCRYPTION_KEY = "cGxhbnRlZC1lbmNyeXB0aW9uLWtleS1tYXRlcmlhbCE="  # a valid key: the pipeline encrypts with it


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    yield io.StringIO()  # the root logger's handlers and structlog's config are restored (conftest)
    uncache_loggers()  # nothing goes on writing to this test's stream


class Leaky:
    """A responder whose failure carries the user's words (as a library's exception message might)."""

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        log = structlog.get_logger("leaky")
        log.info("about to answer", wa_id=turn.user.wa_id, text=turn.text, note=f"user {turn.user.wa_id}")
        logging.getLogger("httpx").info("HTTP Request: GET http://core/links/%s?token=%s", USER, ACCESS_TOKEN)
        raise ValueError(f"could not parse {turn.text!r} from {turn.user.wa_id}")


async def test_a_turn_leaves_no_number_text_or_secret_in_any_log_line(
    settings_factory, fake_graph, lines: io.StringIO
) -> None:
    settings = settings_factory(
        whatsapp_access_token=ACCESS_TOKEN,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_phone_number_id=PNID,
        whatsapp_api_base=fake_graph.base_url,
        hudhud_encryption_key=ENCRYPTION_KEY,
        hudhud_graph_retries=0,
    )
    configure_logging("DEBUG", stream=lines, **log_privacy(settings))  # type: ignore[arg-type]
    uncache_loggers()
    async with running_pipeline(settings, responder=Leaky()) as p:
        fake_graph.fail_next(1, status=400, code=100)  # mark-as-read refused
        fake_graph.fail_next(1, status=400, code=131026)  # the reply refused: logged with its recipient
        await p.deliver(envelope([message("wamid.privacy1", USER, PLANTED_TEXT)]))
        turns = await wait_for(p.turns)
        assert turns[0]["status"] == "failed"
    logged = lines.getvalue()
    parsed = [json.loads(line) for line in logged.splitlines() if line.strip()]
    events = {row["event"] for row in parsed}
    # The paths that would leak ran: the responder's lines, its failure, httpx, the refused reply.
    assert {"about to answer", "responder failed", "reply part refused"} <= events
    assert any(row.get("logger") == "httpx" for row in parsed)
    for planted in (USER, PLANTED_TEXT, "blue house", ACCESS_TOKEN, APP_SECRET, ENCRYPTION_KEY):
        assert planted not in logged, planted
    person = Redactor(hash_key(settings)).person(USER)
    assert logged.count(person) >= 4  # wa_id=, the note, the httpx URL, the exception, the recipient
    refused = next(row for row in parsed if row["event"] == "responder failed")
    assert "<text>" in refused["error"] and person in refused["error"]


def test_the_hash_is_keyed_and_stable() -> None:
    one, other = Redactor(b"k1"), Redactor(b"k2")
    assert one.person("+966 512345678") == one.person("966512345678") != other.person("966512345678")
    assert one.person(USER).startswith("u:") and len(one.person(USER)) == 14


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("took 12 ms, 3 retries", True),  # small numbers are not people
        ("ts 1733456789.123", True),  # a timestamp with its decimals is not a phone number
        ("2026-12-06T01:30:00Z", True),
        ("t_5f0c1e2a9b7d4c3e8f6a1b2c3d4e5f60", True),  # turn ids
        ("t_43d766c98e3d5efe17678423daa89c0c", True),  # a digit run inside an id is not a number
        ("call 0501234567", True),  # a leading 0 is a local number, not an E.164 one: left alone
        ("to +966512345678", False),
        ("links/966512345678/x", False),
    ],
)
def test_what_counts_as_a_number(value: str, kept: bool) -> None:
    redactor = Redactor(b"k")
    out = redactor(None, "info", {"event": value})["event"]
    assert (out == value) is kept


def test_private_texts_are_scoped_and_short_ones_ignored() -> None:
    redactor = Redactor(b"k")
    with private(["ok", "please move task 4 to Sara", None]):
        inside = redactor(None, "info", {"event": "x", "error": "bad: please move task 4 to Sara; ok"})
    outside = redactor(None, "info", {"event": "x", "error": "please move task 4 to Sara"})
    assert inside["error"] == "bad: <text>; ok"
    assert outside["error"] == "please move task 4 to Sara"


def test_nested_values_and_text_keys(settings_factory) -> None:
    settings = settings_factory(
        hudhud_admin_password="planted-admin-password", hudhud_encryption_old_keys="aaaaaaa1,bbbbbbb2"
    )
    redactor = Redactor(hash_key(settings), secrets_of(settings))
    row = redactor(None, "info", {
        "event": "e", "body": "hello there", "keys": "bbbbbbb2",
        "args": {"to": ["966512345678"], "pw": "x planted-admin-password"},
    })  # fmt: skip
    assert row["body"] == "<11 chars>"
    assert row["args"]["to"] == [redactor.person(USER)] and row["args"]["pw"] == "x <secret>"
    assert row["keys"] == "<secret>"


async def test_httpx_lines_are_json_through_the_same_processors(lines: io.StringIO) -> None:
    configure_logging("INFO", stream=lines, hash_key=b"k")
    uncache_loggers()
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get(f"http://core.invalid/links/{USER}")
    row = json.loads(lines.getvalue().splitlines()[-1])
    assert row["logger"] == "httpx" and row["level"] == "info"
    assert USER not in row["event"] and Redactor(b"k").person(USER) in row["event"]
