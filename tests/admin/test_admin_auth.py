"""Who gets into the dashboard and the admin API, and what each may do."""

from __future__ import annotations

import re

import httpx
import orjson
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Route

from base.keys import Keys
from hudhud.admin.accounts import Accounts
from hudhud.admin.audit import AuditLog
from hudhud.app import create_app
from tests.admin.conftest import PASSWORD, client, csrf_of, sign_in
from tests.helpers import live

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLES = {
    "wa_id": "966500000001",
    "entry_id": "1-0",
    "name": "create_task",
    "username": "someone",
    "source": "notes.md",
    "file": "report.html",
    "digest": "0" * 24,
}


# Everything else an app serves is the admin's. /metrics is guarded outside dev (tests/test_exposure.py).
PUBLIC = {"/webhook/whatsapp", "/healthz", "/readyz", "/metrics", "/admin/login",
          "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}  # fmt: skip


def _admin_routes(app) -> list[tuple[str, str]]:
    """(method, path with sample values) of every route of the app that belongs to the admin."""
    out = []
    for route in iter_route_contexts(app.routes):  # routers included in routers, flattened
        if not isinstance(route.original_route, APIRoute | Route):
            continue  # the static assets' mount: public files of the repository
        if route.path in PUBLIC:
            continue
        assert route.path.startswith(("/admin", "/sandbox")), f"{route.path}: public or admin? say so here"
        path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLES[m[1]], route.path)
        out.extend((method, path) for method in sorted(route.methods - {"HEAD"}))
    return out


async def test_every_admin_route_refuses_anonymous_requests_and_changes_without_csrf(
    settings_factory,
) -> None:
    app = create_app(settings_factory(hudhud_admin_password=PASSWORD, hudhud_env="dev"))
    routes = _admin_routes(app)
    # The walk covers the pages, the admin API and the sandbox (a route added later is walked too).
    paths = {p for _, p in routes}
    assert {
        "/admin",
        "/admin/users",
        "/admin/dead",
        "/admin/bots",
        "/admin/accounts",
        "/admin/evals",
    } <= paths
    assert ("POST", "/admin/evals/runs") in routes
    assert any(p.startswith("/admin/api/kb") for p in paths) and any(
        p.startswith("/admin/api/users") for p in paths
    )
    assert sum(m in UNSAFE for m, _ in routes) >= 10
    with live(app) as server:
        async with client(server) as anonymous:
            for method, path in routes:
                answer = await anonymous.request(method, path)
                refused = answer.status_code in (401, 403) or (
                    answer.status_code == 303 and answer.headers["location"].startswith("/admin/login")
                )
                assert refused, f"{method} {path} answered {answer.status_code} to an anonymous request"
            # The login form itself refuses a post without its CSRF token.
            assert (
                await anonymous.post("/admin/login", data={"username": "admin", "password": PASSWORD})
            ).status_code == 403
        async with client(server) as signed_in:
            assert (await sign_in(signed_in)).status_code == 303
            for method, path in routes:
                if method not in UNSAFE:
                    continue
                answer = await signed_in.request(method, path)
                assert answer.status_code == 403, (
                    f"{method} {path} answered {answer.status_code} without CSRF"
                )
                assert "CSRF" in answer.text
                wrong = await signed_in.request(method, path, headers={"X-CSRF-Token": "not-the-token"})
                assert wrong.status_code == 403, f"{method} {path} took a wrong CSRF token"


async def test_sign_in_out_and_the_session_cookie(admin_server) -> None:
    async with client(admin_server) as http:
        assert (await http.get("/admin")).headers["location"] == "/admin/login?next=/admin"
        wrong = await sign_in(http, password="not-the-password")
        assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
        done = await sign_in(http)
        assert done.status_code == 303 and done.headers["location"] == "/admin"
        cookie = done.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin" in cookie
        assert "secure" not in cookie  # dev: served over plain http on loopback
        home = await http.get("/admin")
        assert home.status_code == 200 and "Queue depth" in home.text
        assert "default-src 'self'" in home.headers["content-security-policy"]
        out = await http.post("/admin/logout", data={"csrf": csrf_of(home.text)})
        assert out.status_code == 303
        # The old cookie is dead on the server, not only forgotten by this client.
        stale = httpx.AsyncClient(
            base_url=admin_server.url, cookies={"hudhud_admin": done.cookies["hudhud_admin"]}
        )
        async with stale:
            assert (await stale.get("/admin")).status_code == 303


async def test_cookies_are_secure_outside_dev(settings_factory) -> None:
    from hudhud.admin.auth import AdminAuth

    assert AdminAuth(
        settings_factory(hudhud_env="staging", hudhud_admin_password="a-long-password-1")
    ).secure_cookies
    assert not AdminAuth(settings_factory()).secure_cookies


async def test_failed_sign_ins_are_throttled_per_account_and_client(admin_server) -> None:
    async with client(admin_server) as http:
        for _ in range(5):
            assert (await sign_in(http, password="guess")).status_code == 401
        refused = await sign_in(http)  # the right password, but this client has guessed too often
        assert refused.status_code == 429 and "Too many failed attempts" in refused.text
        basic = await http.get("/admin/api/users/966500000001/throttle", auth=("admin", PASSWORD))
        assert basic.status_code == 429 and int(basic.headers["retry-after"]) > 0
    # The owner, from another address, is not locked out by someone else's guesses.
    other = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with client(admin_server, transport=other) as owner:
        assert (await sign_in(owner)).status_code == 303


async def test_basic_auth_for_scripts_with_roles(admin_server, redis, redis_prefix) -> None:
    await Accounts(redis, Keys(redis_prefix)).create("watcher", "watcher-pass-1234", "viewer")
    async with client(admin_server) as http:
        ok = await http.get("/admin/api/users/966500000001/throttle", auth=("admin", PASSWORD))
        assert ok.status_code == 200 and ok.json()["blocked"] is None
        assert (
            await http.post("/admin/api/users/966500000001/unblock", auth=("admin", PASSWORD))
        ).status_code == 200
        # A viewer reads the dashboard but not the admin API (it holds users' data).
        viewer = await http.get("/admin/api/users/966500000001/export", auth=("watcher", "watcher-pass-1234"))
        assert viewer.status_code == 403
        assert (await http.get("/admin/bots", auth=("watcher", "watcher-pass-1234"))).status_code == 200
        # Credentials a browser replays by itself do not let another site change anything.
        cross = await http.post(
            "/admin/api/users/966500000001/unblock",
            auth=("admin", PASSWORD),
            headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        )
        assert cross.status_code == 403
        assert (
            await http.get("/admin/api/users/966500000001/throttle", auth=("admin", "wrong"))
        ).status_code == 401


async def test_a_viewer_sees_figures_but_no_message_text_and_changes_nothing(
    admin_server, redis, redis_prefix
) -> None:
    keys = Keys(redis_prefix)
    await Accounts(redis, keys).create("watcher", "watcher-pass-1234", "viewer")
    message = {
        "id": "wamid.x",
        "wa_id": "966500000001",
        "phone_number_id": "1",
        "type": "text",
        "text": "سري جدا: secret plan",
    }
    entry = (
        await redis.xadd(
            keys.dead,
            {
                "kind": "turn",
                "conv": "1:966500000001",
                "error": "boom",
                "messages": orjson.dumps([message]),
                "ts": 1,
            },
        )
    ).decode()
    async with client(admin_server) as viewer, client(admin_server) as admin:
        assert (await sign_in(viewer, "watcher", "watcher-pass-1234")).status_code == 303
        page = await viewer.get(f"/admin/dead/{entry}")
        assert page.status_code == 200 and "boom" in page.text
        assert "secret plan" not in page.text and "shown to admins only" in page.text
        assert "/replay" not in page.text  # no buttons it could not use
        csrf = csrf_of(page.text)
        refused = await viewer.post(f"/admin/dead/{entry}/replay", data={"csrf": csrf})
        assert refused.status_code == 403 and await redis.xlen(keys.dead) == 1
        assert (await viewer.get("/admin/accounts")).status_code == 403
        assert (await sign_in(admin)).status_code == 303
        shown = await admin.get(f"/admin/dead/{entry}")
        assert "secret plan" in shown.text and 'dir="auto"' in shown.text


async def test_audit_records_sign_ins_and_who_opened_which_user(admin_server, redis, redis_prefix) -> None:
    async with client(admin_server) as http:
        await sign_in(http, password="wrong")
        await sign_in(http)
        assert (await http.get("/admin/users/966500000009")).status_code == 200
        assert (await http.get("/admin/users/not-a-number")).status_code == 422
    entries = await AuditLog(redis, Keys(redis_prefix)).page()
    seen = [(e.who, e.action, e.target) for e in reversed(entries)]
    assert seen == [
        ("admin", "login_failed", ""),
        ("admin", "login", ""),
        ("admin", "open_user", "966500000009"),
    ]


async def test_first_admin_from_the_password_or_made_once_in_dev(
    settings_factory, redis, redis_prefix
) -> None:
    accounts = Accounts(redis, Keys(redis_prefix))
    prod = settings_factory(hudhud_env="prod")
    assert await accounts.ensure_first_admin(prod) is None and await accounts.all() == []
    dev = settings_factory()
    # Only when someone is there to be shown the password (`hudhud up`), not for an app a test serves.
    assert await accounts.ensure_first_admin(dev, make=False) is None and await accounts.all() == []
    made = await accounts.ensure_first_admin(dev)
    assert made and await accounts.verify("admin", made) is not None
    assert await accounts.ensure_first_admin(dev) is None  # shown once: never made again
    # The variable, once set, is the admin's password (and follows it when it changes).
    assert (
        await accounts.ensure_first_admin(settings_factory(hudhud_admin_password="first-pass-1234")) is None
    )
    assert await accounts.verify("admin", "first-pass-1234") is not None
    assert await accounts.verify("admin", made) is None


async def test_accounts_are_added_and_removed_from_the_dashboard(admin_server, redis, redis_prefix) -> None:
    async with client(admin_server) as http:
        await sign_in(http)
        csrf = csrf_of((await http.get("/admin/accounts")).text)
        short = await http.post(
            "/admin/accounts", data={"csrf": csrf, "username": "v1", "role": "viewer", "password": "short"}
        )
        assert "at least 12 characters" in (await http.get(short.headers["location"])).text
        added = await http.post(
            "/admin/accounts",
            data={"csrf": csrf, "username": "v1", "role": "viewer", "password": "viewer-pass-1234"},
        )
        assert added.status_code == 303
        account = await Accounts(redis, Keys(redis_prefix)).verify("v1", "viewer-pass-1234")
        assert account is not None and account.role == "viewer"
        await http.post("/admin/accounts/v1/remove", data={"csrf": csrf})
        assert await Accounts(redis, Keys(redis_prefix)).get("v1") is None
        mine = await http.post("/admin/accounts/admin/remove", data={"csrf": csrf})
        assert "cannot remove your own" in (await http.get(mine.headers["location"])).text


async def test_hudhud_up_in_dev_is_told_the_first_admins_password_once(settings_factory) -> None:
    shown: list[str] = []
    app = create_app(settings_factory(hudhud_env="dev"), announce=shown.append)
    with live(app) as server:
        async with client(server) as http:
            assert len(shown) == 1
            assert (await sign_in(http, password=shown[0])).status_code == 303
    with live(create_app(settings_factory(hudhud_env="dev"), announce=shown.append)):
        assert len(shown) == 1  # the same Redis: the account exists, nothing is made or shown again
