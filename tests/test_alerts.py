"""Alerts: a planted slow run fires its rule once to a real loopback webhook, signed, and not again
within the cool-down; one evaluator at a time; the events stream and operator events; prod's refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from base.commands import CommandRouter
from base.ops_events import OpsEvent
from base.settings import SettingsError
from base.turn import ReplyPart, TextPart, Turn
from channels.whatsapp.signature import verify_signature
from hudhud.alerts import SIGNATURE_HEADER, AlertRules
from hudhud.container import check_security
from tests.helpers import envelope, live, message, wait_for
from tests.pipeline import running_pipeline

SECRET = "alert-signing-secret-0123456789abcdef"
USER = "966500000303"


class Receiver:
    """An alert webhook on loopback: records each POST; answers the scripted statuses first."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.fail: list[int] = []

    async def hook(self, request: Request) -> JSONResponse:
        self.posts.append(({k.lower(): v for k, v in request.headers.items()}, await request.body()))
        if self.fail:
            return JSONResponse({"error": "scripted"}, status_code=self.fail.pop(0))
        return JSONResponse({"ok": True})

    def alerts(self) -> list[dict]:
        return [orjson.loads(body) for _, body in self.posts]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    r = Receiver()
    with live(Starlette(routes=[Route("/hook", r.hook, methods=["POST"])])) as server:
        yield r, f"{server.url}/hook"


class Slow:
    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        await asyncio.sleep(0.4)
        return [TextPart(text="done, slowly")]


def alert_settings(settings_factory, url: str, **overrides):
    values = {
        "hudhud_alerts": True,
        "hudhud_alert_webhook_url": url,
        "hudhud_alert_webhook_secret": SECRET,
        "hudhud_alert_min_turns": 1,
        "hudhud_alert_command_p95_s": 0.3,
        "hudhud_alert_cooldown_s": 600,
    }
    values.update(overrides)
    return settings_factory(**values)


async def test_a_slow_command_fires_once_to_the_webhook_and_cools_down(settings_factory, receiver) -> None:
    hook, url = receiver
    router = CommandRouter()
    router.add("slow", lambda turn, args: Slow().respond(turn), help="slow")
    async with running_pipeline(alert_settings(settings_factory, url), responder=router) as p:
        await p.deliver(envelope([message("wamid.slow1", USER, "/slow")]))
        await wait_for(p.turns)
        evaluator = p.container.alert_evaluator()
        assert evaluator is not None
        hook.fail = [500]  # the first POST fails: retried with backoff
        fired = await evaluator.tick()
        assert [a.rule for a in fired] == ["command_p95"]
        assert len(hook.posts) == 2  # one failure, one success
        headers, body = hook.posts[-1]
        assert verify_signature(SECRET.encode(), body, headers[SIGNATURE_HEADER.lower()])
        alert = orjson.loads(body)
        assert alert["rule"] == "command_p95" and alert["value"] > 0.3 and alert["threshold"] == 0.3
        assert USER not in body.decode()

        await p.deliver(envelope([message("wamid.slow2", USER, "/slow")]))
        await wait_for(lambda: _two_turns(p))
        again = await evaluator.tick()
        assert [a.rule for a in again] == ["command_p95"]  # still slow…
        assert len(hook.posts) == 2  # …but within the cool-down: not sent again


async def _two_turns(p) -> bool:
    return len(await p.turns()) >= 2


async def test_one_evaluator_at_a_time_and_events_reach_the_webhook(settings_factory, receiver) -> None:
    hook, url = receiver
    async with running_pipeline(alert_settings(settings_factory, url), workers=0) as p:
        first, second = p.container.alert_evaluator(), p.container.alert_evaluator()
        assert first is not None and second is not None
        assert await first.tick() == [] and await second.tick() == []  # nothing wrong yet
        await p.redis.delete(p.keys.sentinel)  # Redis "emptied" under the service
        assert await p.container.watch.check()
        assert await second.tick() == []  # not the lease holder: evaluates nothing
        fired = await first.tick()
        assert [a.rule for a in fired] == ["redis_data_lost"]
        assert await first.tick() == []  # the event was read once
        # An operator event raised elsewhere (delivery_failed) is an alert of its own rule.
        sender = p.container.alerts
        assert sender is not None
        assert await sender.event("delivery_failed", {"summary": "a reply could not be delivered"})
        assert not await sender.event("delivery_failed", {"summary": "again"})  # cooling down
        assert [a["rule"] for a in hook.alerts()] == ["redis_data_lost", "delivery_failed"]
        # A reply the pipeline could not deliver (hudhud/undelivered.py writes the ops stream): forwarded
        # by the evaluator once its rule has cooled down, with what the event says.
        await p.redis.delete(p.keys.alert("cool:delivery_failed"))
        event = OpsEvent(kind="delivery_failed", conv="p:u:abc", turn_id="t_1", code=131026, reason="refused")
        await p.redis.xadd(p.keys.ops, event.to_fields())
        assert await first.tick() == []  # no rule of the window fired: the event went on its own
        forwarded = hook.alerts()[-1]
        assert forwarded["rule"] == "delivery_failed" and forwarded["details"]["turn_id"] == "t_1"
        assert forwarded["details"]["count"] == 1 and forwarded["details"]["code"] == 131026
        await first.tick()
        assert len(hook.alerts()) == 3  # read once


def test_rules_judge_windows_by_their_thresholds(settings_factory) -> None:
    rules = AlertRules(settings_factory(hudhud_alert_min_turns=5).observability)
    window = {"turns": 10, "errors": 3, "turns:knowledge": 4, "lat:knowledge:13": 4, "dead": 2,
              "graph_error:131048": 3, "graph_error:190": 1, "graph_error:131026": 5}  # fmt: skip
    fired = {a.rule: a for a in rules.evaluate(window, queue_age_s=120.0)}
    assert set(fired) == {"error_rate", "queue_age", "dead_letters", "graph_quality", "graph_auth"}
    assert fired["error_rate"].value == 0.3 and "131048 ×3" in fired["graph_quality"].summary
    assert "knowledge_p95" not in fired  # 4 turns: fewer than the minimum
    window["turns:knowledge"] = window["lat:knowledge:13"] = 5
    assert "knowledge_p95" in {a.rule for a in rules.evaluate(window)}
    quality = rules.evaluate({}, events=[{"type": "phone_number_quality_update"}])
    assert [a.rule for a in quality] == ["graph_quality"]


def test_alert_settings_that_reach_nobody_or_anybody_are_refused_outside_dev(settings_factory) -> None:
    prod = {"hudhud_env": "prod", "hudhud_encryption_key": "k" * 43 + "=", "hudhud_alerts": True}
    with pytest.raises(SettingsError, match="HUDHUD_ALERT_WEBHOOK_URL: required"):
        check_security(settings_factory(**prod))
    check_security(settings_factory(**{**prod, "hudhud_alerts": False}))  # knowingly without alerts
    with pytest.raises(SettingsError, match="must be https"):
        check_security(settings_factory(**prod, hudhud_alert_webhook_url="http://alerts.example/h"))
    with pytest.raises(SettingsError, match="HUDHUD_ALERT_WEBHOOK_SECRET"):
        check_security(settings_factory(**prod, hudhud_alert_webhook_url="https://alerts.example/h"))
    check_security(
        settings_factory(
            **prod, hudhud_alert_webhook_url="https://alerts.example/h", hudhud_alert_webhook_secret=SECRET
        )
    )
    with pytest.raises(SettingsError, match="HUDHUD_ALERT_WEBHOOK_URL: required"):
        check_security(
            settings_factory(hudhud_env="staging", hudhud_alerts=True, hudhud_alert_whatsapp_to="9665")
        )
    check_security(settings_factory(hudhud_alerts=True))  # dev: alerts go to the log


async def test_admins_get_alerts_on_whatsapp_and_a_template_outside_their_window(
    settings_factory, receiver, fake_graph
) -> None:
    """The optional channel: each admin number gets the alert as text; one whose 24-hour window is
    closed (Graph's 131047) gets the approved template with the alert as its body parameter."""
    hook, url = receiver
    first, second = "966500000401", "966500000402"
    settings = alert_settings(
        settings_factory,
        url,
        whatsapp_access_token="test-token",
        whatsapp_phone_number_id="1065",
        whatsapp_api_base=fake_graph.base_url,
        hudhud_alert_whatsapp_to=f"{first}, +{second}",
        hudhud_alert_template="hudhud_alert",
        hudhud_alert_cooldown_s=0,
    )
    async with running_pipeline(settings, workers=0) as p:
        sender = p.container.alerts
        assert sender is not None
        fake_graph.fail_next(status=400, code=131047, message="Re-engagement message", to=second)
        assert await sender.event("delivery_failed", {"summary": "a reply could not be delivered"})
    sent = {m["to"]: m for m in fake_graph.messages}
    assert sent[first]["type"] == "text" and "a reply could not be delivered" in sent[first]["text"]["body"]
    template = sent[second]
    assert template["type"] == "template" and template["template"]["name"] == "hudhud_alert"
    body = template["template"]["components"][0]["parameters"][0]["text"]
    assert body == "a reply could not be delivered"
    assert [a["rule"] for a in hook.alerts()] == ["delivery_failed"]  # the webhook, as always
