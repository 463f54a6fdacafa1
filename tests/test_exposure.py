"""What an outsider can reach: captured replies only in dev with the sandbox on, behind the admin
guard; unsigned webhooks only in dev while the server listens on loopback (else it refuses to start)."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from base.settings import SettingsError, is_loopback
from hudhud.app import create_app
from hudhud.cli import app as cli
from hudhud.container import check_security
from tests.helpers import body_of, envelope, live, message, signed_headers, wait_for

USER = "966500000031"
OUTSIDER = ("203.0.113.7", 5000)
ADMIN = ("admin", "admin-pass-123")


async def _sandbox(app, *, client: tuple[str, int] = ("127.0.0.1", 5000), **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=client)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hudhud") as http,
    ):
        return await http.get("/sandbox/messages", **kwargs)


@pytest.mark.parametrize(
    "overrides",
    [
        {"hudhud_env": "prod", "hudhud_encryption_key": "k" * 43 + "=", "hudhud_admin_password": ADMIN[1]},
        {"hudhud_env": "staging", "hudhud_encryption_key": "k" * 43 + "=", "hudhud_admin_password": ADMIN[1]},
        {"whatsapp_access_token": "live-token", "whatsapp_phone_number_id": "1065"},  # dev, but live
    ],
    ids=["prod", "staging", "dev-live"],
)
async def test_captured_replies_are_not_served_outside_the_dev_sandbox(settings_factory, overrides) -> None:
    app = create_app(settings_factory(**overrides))
    assert (await _sandbox(app, auth=ADMIN)).status_code == 404
    assert "/sandbox/messages" not in app.openapi()["paths"]


async def test_captured_replies_need_the_admin_password_when_one_is_set(settings_factory) -> None:
    app = create_app(settings_factory(hudhud_admin_password=ADMIN[1]))
    assert (await _sandbox(app)).status_code == 401
    assert (await _sandbox(app, auth=("admin", "wrong"))).status_code == 401
    assert (await _sandbox(app, client=OUTSIDER, auth=ADMIN)).status_code == 200


async def test_without_a_password_only_loopback_reads_captured_replies(settings_factory) -> None:
    app = create_app(settings_factory())
    refused = await _sandbox(app, client=OUTSIDER)
    assert refused.status_code == 403 and "loopback" in refused.json()["detail"]
    assert (await _sandbox(app)).status_code == 200


async def test_the_sandbox_round_trip_works_for_the_admin(settings_factory) -> None:
    settings = settings_factory(hudhud_admin_password=ADMIN[1])
    body = body_of(envelope([message("wamid.exp", USER, "/ping")]))
    with live(create_app(settings, workers=1)) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (
                await http.post("/webhook/whatsapp", content=body, headers=signed_headers(body))
            ).is_success

            async def replies() -> list[dict]:
                return (await http.get("/sandbox/messages", params={"to": USER}, auth=ADMIN)).json()

            sent = await wait_for(replies)
            assert sent[0]["payload"]["text"]["body"].startswith("pong")
            assert (await http.get("/sandbox/messages")).status_code == 401


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost"])
def test_unsigned_webhooks_are_accepted_in_dev_on_loopback(settings_factory, host: str) -> None:
    settings = settings_factory(whatsapp_app_secret=None, hudhud_host=host)
    warnings = check_security(settings, listen_host=host)
    assert any("NOT checked" in w for w in warnings)
    create_app(settings)  # starts


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "hudhud.example.org"])
def test_unsigned_webhooks_off_loopback_refuse_to_start(settings_factory, host: str) -> None:
    settings = settings_factory(whatsapp_app_secret=None, hudhud_host=host)
    with pytest.raises(SettingsError) as info:
        create_app(settings)
    assert str(info.value) == (
        f"invalid setting WHATSAPP_APP_SECRET: required when listening on {host}"
        " (unsigned webhooks are accepted only in dev on loopback)"
    )
    assert not is_loopback(host)


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_unsigned_webhooks_outside_dev_refuse_to_start(settings_factory, env: str) -> None:
    with pytest.raises(SettingsError, match=f"WHATSAPP_APP_SECRET: required when HUDHUD_ENV={env}"):
        create_app(settings_factory(whatsapp_app_secret=None, hudhud_env=env))
    # Workers serve no webhook but belong to the same deployment: they refuse the same setting.
    with pytest.raises(SettingsError, match="WHATSAPP_APP_SECRET"):
        check_security(settings_factory(whatsapp_app_secret=None, hudhud_env=env))


def test_serve_on_all_interfaces_without_a_secret_says_why_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("WHATSAPP_APP_SECRET", "HUDHUD_ENV", "HUDHUD_RESPONDER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUDHUD_RESPONDER", "none")
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "WHATSAPP_APP_SECRET: required when listening on 0.0.0.0" in result.output


async def _get(app, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=OUTSIDER)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hudhud") as http,
    ):
        return await http.get(path, **kwargs)


async def test_outside_dev_metrics_and_the_api_description_are_not_public(settings_factory) -> None:
    settings = settings_factory(
        hudhud_env="prod", hudhud_encryption_key="k" * 43 + "=", hudhud_admin_password=ADMIN[1],
        hudhud_metrics_token="scrape-token-0123456789",
    )  # fmt: skip
    app = create_app(settings)
    anonymous = await _get(app, "/metrics")
    assert anonymous.status_code == 401 and "HUDHUD_METRICS_TOKEN" in anonymous.json()["detail"]
    assert (await _get(app, "/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
    scraped = await _get(app, "/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert scraped.status_code == 200 and "hudhud_webhooks_total" in scraped.text
    assert (await _get(app, "/metrics", auth=ADMIN)).status_code == 200
    assert (await _get(app, "/metrics", auth=("admin", "wrong-password"))).status_code == 401
    assert (await _get(app, "/docs")).status_code == 404 and (await _get(app, "/redoc")).status_code == 404
    assert (await _get(app, "/openapi.json")).status_code == 401
    described = await _get(app, "/openapi.json", auth=ADMIN)
    assert described.status_code == 200 and "/webhook/whatsapp" in described.json()["paths"]


async def test_in_dev_metrics_and_docs_stay_open(settings_factory) -> None:
    app = create_app(settings_factory())
    assert (await _get(app, "/metrics")).status_code == 200
    assert (await _get(app, "/docs")).status_code == 200
    assert "/readyz" in (await _get(app, "/openapi.json")).json()["paths"]


def test_every_answer_carries_the_security_headers(settings_factory) -> None:
    body = body_of(envelope([message("wamid.hdr", USER, "/ping")]))
    with live(create_app(settings_factory())) as server:
        answers = [
            httpx.post(
                server.url + "/webhook/whatsapp", content=body, headers=signed_headers(body)
            ),  # fast path
            httpx.get(server.url + "/healthz"),
            httpx.get(server.url + "/nowhere"),
            httpx.get(server.url + "/admin/api/kb/documents", headers={"x-forwarded-for": "203.0.113.7"}),
        ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.url
        assert (
            answer.headers["x-frame-options"] == "DENY" and answer.headers["referrer-policy"] == "no-referrer"
        )
