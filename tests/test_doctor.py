"""`hudhud doctor` against the fake Graph, our own webhook, the reference core API and a model endpoint,
all over loopback: what passes, and for each failure the next step it names."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from base.bots import load_bots
from coreapi.app import create_app as core_app
from hudhud.app import create_app
from hudhud.cli import app
from hudhud.doctor import (
    Check,
    MetaChecks,
    chroma_check,
    core_api_check,
    model_endpoint_check,
    own_webhook_check,
)
from tests.conftest import REDIS_TEST_URL
from tests.coreapi.conftest import SERVICE_TOKEN, make_settings
from tests.helpers import APP_SECRET, live

PNID = "106540352242922"
TOKEN = "EAAG-permanent"
runner = CliRunner()


@pytest.fixture
def meta(fake_graph):
    """A Meta app as it should be: a permanent token granted the WABA, the app subscribed to it."""
    fake_graph.add_token(TOKEN, app_id="app1", waba="waba1")
    fake_graph.add_number(PNID)
    fake_graph.add_app("app1", APP_SECRET.decode())
    fake_graph.subscribe("waba1", "app1")
    return fake_graph


@pytest.fixture
def core(tmp_path: Path) -> Iterator[str]:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'core.db'}", tmp_path)
    with live(core_app(settings)) as server:
        yield server.url


async def _meta_checks(settings_factory, fake_graph, **overrides: object) -> dict[str, Check]:
    settings = settings_factory(
        whatsapp_access_token=overrides.pop("token", TOKEN), whatsapp_phone_number_id=PNID,
        whatsapp_api_base=fake_graph.base_url, **overrides,
    )  # fmt: skip
    async with httpx.AsyncClient() as http:
        checks = await MetaChecks(http, settings).bot(load_bots(settings).all()[0])
    return {c.name.removeprefix(f"whatsapp {PNID}").strip() or "graph": c for c in checks}


async def test_a_live_number_set_up_right_passes(settings_factory, meta) -> None:
    checks = await _meta_checks(settings_factory, meta)
    assert {name: c.ok for name, c in checks.items()} == {
        "token": True, "number": True, "subscription": True, "app secret (app1)": True,
    }  # fmt: skip
    assert "never expires (SYSTEM_USER)" in checks["token"].detail
    assert "+1 555-0100 (Hudhud Test)" in checks["number"].detail


async def test_token_failures_name_the_permanent_token_step(settings_factory, meta) -> None:
    unknown = await _meta_checks(settings_factory, meta, token="EAAG-revoked")
    assert list(unknown) == ["token"] and unknown["token"].ok is False
    assert "going-live.md#a-permanent-access-token" in unknown["token"].fix
    meta.add_token("EAAG-temporary", kind="USER", expires_at=int(time.time()) + 3600)
    temporary = await _meta_checks(settings_factory, meta, token="EAAG-temporary")
    assert temporary["token"].ok is None and "24 hours" in temporary["token"].fix  # a warning: it works today
    meta.add_token("EAAG-expired", expires_at=int(time.time()) - 60)
    assert (await _meta_checks(settings_factory, meta, token="EAAG-expired"))["token"].ok is False
    meta.add_token("EAAG-read-only", scopes=("whatsapp_business_management",))
    scoped = await _meta_checks(settings_factory, meta, token="EAAG-read-only")
    assert scoped["token"].ok is False and "whatsapp_business_messaging" in scoped["token"].detail


async def test_an_unsubscribed_app_and_a_wrong_secret_fail(settings_factory, meta) -> None:
    meta.subscriptions.clear()
    checks = await _meta_checks(settings_factory, meta, whatsapp_app_secret="not-the-app-secret")
    assert checks["subscription"].ok is False and "/waba1/subscribed_apps" in checks["subscription"].fix
    assert checks["app secret (app1)"].ok is False and "App secret" in checks["app secret (app1)"].fix
    # The app secret never travels as a query parameter (logs of proxies keep those).
    assert all("not-the-app-secret" not in str(r.query) for r in meta.requests)


async def test_a_wrong_number_id_fails(settings_factory, meta) -> None:
    meta.numbers.clear()
    checks = await _meta_checks(settings_factory, meta)
    assert checks["number"].ok is False and "WHATSAPP_PHONE_NUMBER_ID" in checks["number"].fix


async def test_our_webhook_is_checked_with_a_signed_request(settings_factory) -> None:
    with live(create_app(settings_factory())) as server:
        url = f"{server.url}/webhook/whatsapp"
        async with httpx.AsyncClient() as http:
            ok = await own_webhook_check(http, settings_factory(webhook_url=url))
            other = await own_webhook_check(http, settings_factory(webhook_url=url, whatsapp_app_secret="x"))
    assert ok.ok is True and "refuses an unsigned one" in ok.detail
    assert other.ok is False and "another app secret" in other.fix
    async with httpx.AsyncClient() as http:
        down = await own_webhook_check(
            http, settings_factory(webhook_url="http://127.0.0.1:1/webhook/whatsapp")
        )
    assert down.ok is None and "hudhud serve" in down.fix


async def test_the_core_api_and_its_service_token(settings_factory, core: str) -> None:
    async with httpx.AsyncClient() as http:
        ok = await core_api_check(
            http, settings_factory(core_api_url=core, hudhud_core_api_token=SERVICE_TOKEN)
        )
        wrong = await core_api_check(
            http, settings_factory(core_api_url=core, hudhud_core_api_token="w" * 40)
        )
        down = await core_api_check(
            http, settings_factory(core_api_url="http://127.0.0.1:1", hudhud_core_api_token=SERVICE_TOKEN)
        )
    assert ok.ok is True and "sqlite" in ok.detail
    assert wrong.ok is False and "COREAPI_SERVICE_TOKEN" in wrong.fix
    assert down.ok is False and "hudhud coreapi" in down.fix


async def test_chroma_and_the_model_endpoint(settings_factory, fake_openai) -> None:
    async with httpx.AsyncClient() as http:
        embedded = await chroma_check(http, settings_factory())
        server = await chroma_check(http, settings_factory(chroma_url="http://127.0.0.1:1"))
        model = await model_endpoint_check(
            http,
            settings_factory(
                hudhud_responder="agent", openai_base_url=fake_openai.base_url, hudhud_model="m"
            ),
        )
        dead = await model_endpoint_check(
            http, settings_factory(hudhud_responder="agent", openai_base_url="http://127.0.0.1:1/v1")
        )
        unused = await model_endpoint_check(http, settings_factory())
    assert embedded.ok is True and server.ok is False and "CHROMA_URL" in server.fix
    assert model is not None and model.ok is True and fake_openai.requests[-1]["max_tokens"] == 1
    assert dead is not None and dead.ok is False and "OPENAI_BASE_URL" in dead.fix
    assert unused is None  # the responder is not the agent: no endpoint to check


def test_the_command_passes_then_fails_with_the_next_step(
    meta, core: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_prefix: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")  # one line per row: the output is read below
    for name, value in {
        "REDIS_URL": REDIS_TEST_URL, "HUDHUD_REDIS_PREFIX": redis_prefix, "HUDHUD_RESPONDER": "none",
        "HUDHUD_DATA_DIR": str(tmp_path / "data"), "WHATSAPP_APP_SECRET": APP_SECRET.decode(),
        "WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_ACCESS_TOKEN": TOKEN, "WHATSAPP_PHONE_NUMBER_ID": PNID,
        "WHATSAPP_API_BASE": meta.base_url, "CORE_API_URL": core, "HUDHUD_CORE_API_TOKEN": SERVICE_TOKEN,
        "WEBHOOK_URL": "http://127.0.0.1:1/webhook/whatsapp",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    passed = runner.invoke(app, ["doctor"])
    assert passed.exit_code == 0, passed.output
    assert "FAIL" not in passed.output and "subscribed to WABA waba1" in passed.output
    meta.subscriptions.clear()
    failed = runner.invoke(app, ["doctor"])
    assert failed.exit_code == 1
    line = next(x for x in failed.output.splitlines() if "subscription" in x)
    assert "FAIL" in line and "subscribe-the-app-and-the-messages-field" in line
