"""Tokens: what a valid user JWT is, the service token exchange, and password login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from coreapi.config import AUDIENCE
from tests.coreapi.conftest import JWT_SECRET, SERVICE_TOKEN, Api


def claims(api: Api, username: str = "sara", **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "sub": str(api.id(username)),
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


async def me(api: Api, token: str) -> Any:
    return await api.client(bearer=token).get("/users/me")


async def test_a_valid_token_speaks_for_its_user(api: Api) -> None:
    r = await me(api, jwt.encode(claims(api), JWT_SECRET, algorithm="HS256"))
    assert r.status_code == 200
    assert r.json()["username"] == "sara"
    assert r.json()["role"] == "member"


async def test_no_token_is_401_with_a_reason(api: Api) -> None:
    r = await api.client().get("/tasks")
    assert r.status_code == 401
    assert r.json() == {"detail": "missing bearer token", "code": "unauthorized"}
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("claim", ["exp", "aud", "sub", "iat"])
async def test_a_token_without_a_required_claim_is_refused(api: Api, claim: str) -> None:
    r = await me(api, jwt.encode(claims(api, **{claim: None}), JWT_SECRET, algorithm="HS256"))
    assert r.status_code == 401
    assert r.json()["detail"] == f"invalid token: missing claim '{claim}'"


async def test_a_wrong_audience_is_refused(api: Api) -> None:
    r = await me(api, jwt.encode(claims(api, aud="someone-else"), JWT_SECRET, algorithm="HS256"))
    assert r.status_code == 401
    assert "audience" in r.json()["detail"]


@pytest.mark.parametrize("alg", ["HS512", "HS384"])
async def test_another_algorithm_is_refused_even_with_the_right_key(api: Api, alg: str) -> None:
    r = await me(api, jwt.encode(claims(api), JWT_SECRET, algorithm=alg))
    assert r.status_code == 401
    assert r.json()["detail"] == "invalid token: only HS256 is accepted"


async def test_alg_none_is_refused(api: Api) -> None:
    unsigned = jwt.encode(claims(api), None, algorithm="none")  # type: ignore[arg-type]
    r = await me(api, unsigned)
    assert r.status_code == 401
    assert r.json()["detail"] == "invalid token: only HS256 is accepted"


async def test_an_expired_token_is_refused(api: Api) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = jwt.encode(claims(api, iat=past, exp=past + timedelta(minutes=10)), JWT_SECRET, algorithm="HS256")
    r = await me(api, token)
    assert r.status_code == 401
    assert r.json()["detail"] == "token expired; get a new one"


async def test_a_token_signed_with_another_key_is_refused(api: Api) -> None:
    r = await me(api, jwt.encode(claims(api), "x" * 40, algorithm="HS256"))
    assert r.status_code == 401
    assert r.json()["detail"] == "invalid token"


async def test_garbage_is_refused(api: Api) -> None:
    assert (await me(api, "not-a-jwt")).status_code == 401


async def test_a_sub_that_is_not_a_user_id_is_refused(api: Api) -> None:
    r = await me(api, jwt.encode(claims(api, sub="sara"), JWT_SECRET, algorithm="HS256"))
    assert r.status_code == 401
    assert r.json()["detail"] == "invalid token: sub must be a user id"


async def test_a_deactivated_or_unknown_user_is_refused(api: Api) -> None:
    for token in (
        jwt.encode(claims(api, "old"), JWT_SECRET, algorithm="HS256"),
        jwt.encode(claims(api, sub="99999"), JWT_SECRET, algorithm="HS256"),
    ):
        r = await me(api, token)
        assert r.status_code == 401
        assert "deactivated" in r.json()["detail"]


# --- service token exchange ---


async def test_the_service_exchanges_its_token_for_a_user_jwt(api: Api) -> None:
    r = await api.service().post("/auth/token", json={"user_id": api.id("sara")})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 600
    decoded = jwt.decode(body["access_token"], JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE)
    assert decoded["sub"] == str(api.id("sara"))
    assert decoded["exp"] - decoded["iat"] == 600
    # ...and the token acts as sara, with sara's rights
    r = await me(api, body["access_token"])
    assert r.json()["username"] == "sara"


@pytest.mark.parametrize("token", ["wrong-service-token-0123456789abcdefghij", ""])
async def test_a_wrong_service_token_is_refused(api: Api, token: str) -> None:
    client = api.service(token) if token else api.client()
    r = await client.post("/auth/token", json={"user_id": api.id("sara")})
    assert r.status_code == 401
    assert r.json()["detail"] in ("invalid service token", "missing service token")


async def test_a_user_jwt_is_not_a_service_token(api: Api) -> None:
    r = await api.client("admin").post("/auth/token", json={"user_id": api.id("sara")})
    assert r.status_code == 401


async def test_the_exchange_refuses_unknown_and_deactivated_users(api: Api) -> None:
    r = await api.service().post("/auth/token", json={"user_id": 99999})
    assert r.status_code == 404
    assert r.json()["detail"] == "no user with id 99999"
    r = await api.service().post("/auth/token", json={"user_id": api.id("old")})
    assert r.status_code == 403
    assert r.json()["detail"] == f"user {api.id('old')} is deactivated"


async def test_without_a_configured_service_token_service_routes_are_503(start: Any) -> None:
    api = await start(coreapi_service_token=None)
    r = await api.service(SERVICE_TOKEN).post("/auth/token", json={"user_id": api.id("sara")})
    assert r.status_code == 503
    assert r.json()["code"] == "service_disabled"


async def test_the_token_lifetime_is_configurable(start: Any) -> None:
    api = await start(coreapi_token_ttl_s=60)
    r = await api.service().post("/auth/token", json={"user_id": api.id("sara")})
    assert r.json()["expires_in"] == 60


# --- password login ---


async def test_login_with_a_password(api: Api) -> None:
    await api.add_user(username="lina", team="ops", password="correct horse")
    r = await api.client().post("/auth/login", json={"username": "Lina", "password": "correct horse"})
    assert r.status_code == 200
    assert (await me(api, r.json()["access_token"])).json()["username"] == "lina"

    for username, password in (("lina", "wrong password"), ("nobody", "correct horse"), ("sara", "anything")):
        r = await api.client().post("/auth/login", json={"username": username, "password": password})
        assert r.status_code == 401
        assert r.json()["detail"] == "invalid username or password"


async def test_a_deactivated_user_cannot_log_in(api: Api) -> None:
    await api.add_user(username="gone", password="correct horse", active=False)
    r = await api.client().post("/auth/login", json={"username": "gone", "password": "correct horse"})
    assert r.status_code == 401


# --- login throttling (coreapi/login_throttle.py) ---


def _from(api: Api, address: str) -> httpx.AsyncClient:
    """A client connecting from another loopback address: the API sees a different caller."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=api.url, transport=transport, timeout=30)


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"username": username, "password": password})


async def test_a_guesser_is_throttled_without_locking_the_owner_out(api: Api) -> None:
    await api.add_user(username="lina", password="correct horse")
    async with _from(api, "127.0.0.2") as guesser, _from(api, "127.0.0.3") as owner:
        for _ in range(5):
            assert (await _login(guesser, "lina", "wrong")).status_code == 401
        refused = await _login(guesser, "lina", "correct horse")  # even the right one: the guesser waits
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_logins"
        assert 1 <= int(refused.headers["Retry-After"]) <= 900
        assert (await _login(owner, "lina", "correct horse")).status_code == 200


async def test_one_address_spraying_accounts_is_throttled(start: Any) -> None:
    api = await start(coreapi_login_max_failures_per_client=3)
    async with _from(api, "127.0.0.4") as sprayer, _from(api, "127.0.0.5") as other:
        for name in ("sara", "samir", "mona"):
            assert (await _login(sprayer, name, "guess")).status_code == 401
        assert (await _login(sprayer, "khalid", "guess")).status_code == 429
        assert (await _login(other, "khalid", "guess")).status_code == 401  # a different address: counted


async def test_a_global_flood_refuses_only_addresses_that_failed(start: Any) -> None:
    api = await start(coreapi_login_max_failures_global=3)
    await api.add_user(username="lina", password="correct horse")
    async with _from(api, "127.0.0.6") as a, _from(api, "127.0.0.7") as b, _from(api, "127.0.0.8") as c:
        assert (await _login(a, "sara", "x")).status_code == 401
        assert (await _login(b, "samir", "x")).status_code == 401
        assert (await _login(b, "mona", "x")).status_code == 401
        assert (await _login(a, "lina", "correct horse")).status_code == 429  # a failed in the window
        assert (await _login(c, "lina", "correct horse")).status_code == 200  # c never failed


async def test_passwords_are_checked_off_the_event_loop(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from coreapi import passwords
    from coreapi.routes import auth

    on_loop: list[bool] = []

    def checked(password: str, stored: str | None) -> bool:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return passwords.verify_password(password, stored)

    monkeypatch.setattr(auth, "verify_password", checked)
    await api.add_user(username="lina", password="correct horse")
    assert (await _login(api.client(), "lina", "correct horse")).status_code == 200
    assert on_loop == [False]


async def test_a_slow_password_check_holds_no_database_lock(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a transaction holds the write lock (BEGIN IMMEDIATE): the login must not keep one open
    while the password is hashed, or every write would wait behind it."""
    import asyncio
    import time

    from coreapi import passwords
    from coreapi.routes import auth

    def slow(password: str, stored: str | None) -> bool:
        time.sleep(1.5)
        return passwords.verify_password(password, stored)

    monkeypatch.setattr(auth, "verify_password", slow)
    await api.add_user(username="lina", password="correct horse")
    login = asyncio.create_task(_login(api.client(), "lina", "correct horse"))
    await asyncio.sleep(0.3)  # the login is now hashing
    async with api.client("sara") as sara:
        created = await sara.post("/tasks", json={"title": "written while a login hashes"})
    assert created.status_code in (200, 201) and not login.done()
    assert (await login).status_code == 200
