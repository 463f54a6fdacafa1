"""Linking a WhatsApp number to a user with a one-time code, and the links mirror."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from coreapi.clock import utcnow
from tests.coreapi.conftest import SERVICE_TOKEN, Api

WA = "966500000001"


async def new_code(api: Api, username: str = "sara") -> str:
    r = await api.client(username).post("/link-codes")
    assert r.status_code == 201, r.text
    return r.json()["code"]  # type: ignore[no-any-return]


async def redeem(api: Api, code: str, wa_id: str = WA, **headers: str) -> Any:
    return await api.service().post(
        "/link-codes/redeem", json={"code": code, "wa_id": wa_id}, headers=headers
    )


async def test_a_code_links_the_number_to_its_user(api: Api) -> None:
    r = await api.client("sara").post("/link-codes")
    assert r.status_code == 201
    body = r.json()
    assert len(body["code"]) == 8 and body["code"].isdigit()
    assert body["expires_in"] == 600
    r = await redeem(api, body["code"])
    assert r.status_code == 200, r.text
    link = r.json()
    assert (link["wa_id"], link["user_id"], link["blocked"]) == (WA, api.id("sara"), False)
    assert link["user"]["display_name"] == "Sara Ahmed"
    r = await api.service().get(f"/links/{WA}")
    assert r.status_code == 200
    assert r.json()["user_id"] == api.id("sara")


async def test_codes_are_not_stored_in_clear(api: Api) -> None:
    code = await new_code(api)
    rows = await api.fetch("SELECT code_hash FROM link_codes")
    assert len(rows[0][0]) == 64 and code not in rows[0][0]


async def test_a_code_typed_with_arabic_digits_and_spaces(api: Api) -> None:
    code = await new_code(api)
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    r = await redeem(api, f"{arabic[:3]} {arabic[3:]}")
    assert r.status_code == 200, r.text


async def test_a_wrong_code(api: Api) -> None:
    code = await new_code(api)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = await redeem(api, wrong)
    assert r.status_code == 400
    assert r.json() == {
        "detail": "that code is not valid; check it or ask for a new one",
        "code": "invalid_code",
    }
    assert (await api.service().get(f"/links/{WA}")).status_code == 404


async def test_a_code_works_once(api: Api) -> None:
    code = await new_code(api)
    assert (await redeem(api, code)).status_code == 200
    r = await redeem(api, code, wa_id="966500000002")
    assert r.status_code == 409
    assert r.json()["code"] == "code_used"


async def test_an_expired_code(api: Api) -> None:
    code = await new_code(api)
    await api.execute("UPDATE link_codes SET expires_at = :t", t=utcnow() - timedelta(seconds=1))
    r = await redeem(api, code)
    assert r.status_code == 410
    assert r.json() == {"detail": "that code has expired; ask for a new one", "code": "code_expired"}


async def test_five_failures_lock_the_number_out_for_the_window(api: Api) -> None:
    code = await new_code(api)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert (await redeem(api, wrong)).status_code == 400
    r = await redeem(api, code)  # even the right code now
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_attempts"
    assert r.headers["retry-after"] == "900"
    # other numbers are not affected
    assert (await redeem(api, wrong, wa_id="966500000002")).status_code == 400
    # once the failures are older than the window, the number may try again
    await api.execute(
        "UPDATE link_attempts SET created_at = :t WHERE wa_id = :w", t=utcnow() - timedelta(minutes=16), w=WA
    )
    assert (await redeem(api, code)).status_code == 200


async def test_the_attempt_limit_is_configurable(start: Any) -> None:
    api = await start(coreapi_link_max_attempts=2, coreapi_link_window_s=60)
    for status in (400, 400, 429):
        assert (await redeem(api, "00000000")).status_code == status


async def test_a_retried_redeem_replays_instead_of_failing_as_used(api: Api) -> None:
    code = await new_code(api)
    first = await redeem(api, code, **{"Idempotency-Key": "turn-1:link"})
    again = await redeem(api, code, **{"Idempotency-Key": "turn-1:link"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()


async def test_a_code_of_a_deactivated_user(api: Api) -> None:
    code = await new_code(api, "samir")
    await api.client("admin").patch(f"/users/{api.id('samir')}", json={"active": False})
    r = await redeem(api, code)
    assert r.status_code == 403
    assert r.json()["detail"] == "the code's user is deactivated"


async def test_a_number_moves_to_the_user_of_a_newer_code(api: Api) -> None:
    await redeem(api, await new_code(api, "sara"))
    r = await redeem(api, await new_code(api, "samir"))
    assert r.json()["user_id"] == api.id("samir")
    log = (await api.client("admin").get("/audit", params={"action": "link"})).json()["items"]
    assert log[0]["before"]["user_id"] == api.id("sara") and log[0]["after"]["user_id"] == api.id("samir")
    assert log[0]["actor_id"] == api.id("samir")


@pytest.mark.parametrize(
    "body",
    [{"code": "123456", "wa_id": "+966 50"}, {"code": "123456"}, {"code": "1" * 33, "wa_id": WA}],
)
async def test_redeem_validation(api: Api, body: dict[str, Any]) -> None:
    r = await api.service().post("/link-codes/redeem", json=body)
    assert r.status_code == 422


async def test_service_routes_need_the_service_token(api: Api) -> None:
    code = await new_code(api)
    wrong = api.service("not-the-service-token-0123456789abcdefgh")
    as_user = api.client("admin")
    for client in (wrong, as_user, api.client()):
        assert (await client.post("/link-codes/redeem", json={"code": code, "wa_id": WA})).status_code == 401
        assert (await client.get(f"/links/{WA}")).status_code == 401
        assert (await client.put(f"/links/{WA}", json={"user_id": api.id("sara")})).status_code == 401
        assert (await client.delete(f"/links/{WA}")).status_code == 401
    assert (await api.client().post("/link-codes")).status_code == 401  # a person must be signed in


async def test_mirror_put_get_delete(api: Api) -> None:
    service = api.service()
    r = await service.put(f"/links/{WA}", json={"user_id": api.id("mona")})
    assert r.status_code == 200
    assert (r.json()["user_id"], r.json()["user"]["username"]) == (api.id("mona"), "mona")
    assert (await service.get(f"/links/{WA}")).json()["user_id"] == api.id("mona")
    r = await service.put(f"/links/{WA}", json={"user_id": api.id("sara")})  # moved to someone else
    assert (await service.get(f"/links/{WA}")).json()["user_id"] == api.id("sara")
    r = await service.delete(f"/links/{WA}")
    assert r.json() == {"wa_id": WA, "unlinked": True}
    assert (await service.get(f"/links/{WA}")).status_code == 404
    assert (await service.delete(f"/links/{WA}")).json() == {"wa_id": WA, "unlinked": False}
    r = await service.put(f"/links/{WA}", json={"user_id": 99999})
    assert (r.status_code, r.json()["detail"]) == (404, "no user with id 99999")
    assert (await service.get("/links/not-a-number")).status_code == 422
    r = await service.get("/links/966500000077")
    assert (r.status_code, r.json()["detail"]) == (404, "966500000077 is not linked")


async def test_admins_list_block_and_unblock(api: Api) -> None:
    admin, service = api.client("admin"), api.service()
    await redeem(api, await new_code(api))
    r = await admin.post(f"/links/{WA}/block")
    assert r.status_code == 200
    assert (r.json()["blocked"], r.json()["user_id"]) == (True, api.id("sara"))
    r = await admin.post("/links/966500000005/block")  # never linked: blocked all the same
    assert (r.json()["blocked"], r.json()["user_id"]) == (True, None)

    r = await admin.get("/links")
    assert [(i["wa_id"], i["blocked"]) for i in r.json()["items"]] == [(WA, True), ("966500000005", True)]
    assert (await service.get(f"/links/{WA}")).json()["blocked"] is True

    # a blocked number can neither redeem nor be mirrored to someone
    r = await redeem(api, await new_code(api, "samir"))
    assert (r.status_code, r.json()["detail"]) == (403, "this WhatsApp number is blocked")
    r = await service.put(f"/links/{WA}", json={"user_id": api.id("samir")})
    assert r.status_code == 403
    # unlinking keeps the block
    assert (await service.delete(f"/links/{WA}")).json()["unlinked"] is True
    after = (await service.get(f"/links/{WA}")).json()
    assert (after["blocked"], after["user_id"]) == (True, None)

    r = await admin.post(f"/links/{WA}/unblock")
    assert r.json()["blocked"] is False
    assert (await redeem(api, await new_code(api, "samir"))).status_code == 200


@pytest.mark.parametrize("username", ["mona", "sara"])
async def test_only_admins_manage_links(api: Api, username: str) -> None:
    client = api.client(username)
    r = await client.get("/links")
    assert (r.status_code, r.json()["detail"]) == (403, "only admin users can list links")
    r = await client.post(f"/links/{WA}/block")
    assert (r.status_code, r.json()["detail"]) == (
        403,
        "only admin users can block or unblock WhatsApp numbers",
    )


# --- only a live code links; live hashes are unique; old rows are purged; redemption is throttled ---


def fixed_codes(monkeypatch: pytest.MonkeyPatch, *codes: str) -> None:
    """Make issuing draw `codes` in order (the last one repeats): a collision on demand."""
    from coreapi.routes import links

    queue = [int(c) for c in codes]

    def randbelow(_n: int) -> int:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    monkeypatch.setattr(links, "secrets", SimpleNamespace(randbelow=randbelow))


async def unused_rows_per_hash(api: Api) -> list[int]:
    rows = await api.fetch(
        "SELECT COUNT(*) FROM link_codes WHERE used_at IS NULL GROUP BY code_hash ORDER BY 1 DESC"
    )
    return [row[0] for row in rows]


async def test_a_used_code_does_not_hide_another_users_live_code(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_codes(monkeypatch, "42424242")
    assert (await redeem(api, await new_code(api, "sara"))).status_code == 200
    assert await new_code(api, "samir") == "42424242"  # the same code again, for someone else
    r = await redeem(api, "42424242", wa_id="966500000002")
    assert r.status_code == 200, r.text
    assert r.json()["user_id"] == api.id("samir")


async def test_an_expired_code_does_not_hide_another_users_live_code(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_codes(monkeypatch, "42424242")
    await new_code(api, "sara")
    await api.execute("UPDATE link_codes SET expires_at = :t", t=utcnow() - timedelta(seconds=1))
    assert await new_code(api, "samir") == "42424242"
    r = await redeem(api, "42424242")
    assert r.status_code == 200, r.text
    assert r.json()["user_id"] == api.id("samir")
    assert await unused_rows_per_hash(api) == []  # the dead row made way, the live one is spent


async def test_a_dead_code_is_worded_by_its_newest_row(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed_codes(monkeypatch, "42424242")
    assert (await redeem(api, await new_code(api, "sara"))).status_code == 200
    await new_code(api, "samir")
    await api.execute(
        "UPDATE link_codes SET expires_at = :t WHERE used_at IS NULL", t=utcnow() - timedelta(seconds=1)
    )
    r = await redeem(api, "42424242", wa_id="966500000002")
    assert (r.status_code, r.json()["code"]) == (410, "code_expired")
    assert (await api.service().get("/links/966500000002")).status_code == 404


async def test_issuing_skips_a_code_someone_holds(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fixed_codes(monkeypatch, "11111111", "11111111", "11111111", "22222222")
    assert await new_code(api, "sara") == "11111111"
    assert await new_code(api, "samir") == "22222222"
    assert await unused_rows_per_hash(api) == [1, 1]
    assert (await redeem(api, "11111111")).json()["user_id"] == api.id("sara")
    r = await redeem(api, "22222222", wa_id="966500000002")
    assert r.json()["user_id"] == api.id("samir")


async def test_issuing_gives_up_when_every_code_it_draws_is_taken(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_codes(monkeypatch, "11111111")
    await new_code(api, "sara")
    r = await api.client("samir").post("/link-codes")
    assert r.status_code == 503
    assert r.json() == {"detail": "could not issue a link code; try again", "code": "no_code_available"}
    assert await unused_rows_per_hash(api) == [1]


async def test_the_database_refuses_two_unused_rows_with_one_hash(api: Api) -> None:
    await new_code(api, "sara")
    with pytest.raises(IntegrityError):
        await api.execute(
            "INSERT INTO link_codes (code_hash, user_id, expires_at, created_at)"
            " SELECT code_hash, :u, expires_at, created_at FROM link_codes",
            u=api.id("samir"),
        )


async def test_old_codes_and_attempts_are_purged(start: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = await start(coreapi_link_code_retention_s=3600)
    fixed_codes(monkeypatch, "11111111", "22222222", "33333333")
    await new_code(api, "sara")
    await new_code(api, "samir")
    assert (await redeem(api, "00000000")).status_code == 400
    old_code = utcnow() - timedelta(seconds=3601)
    await api.execute(
        "UPDATE link_codes SET expires_at = :t WHERE user_id = :u", t=old_code, u=api.id("sara")
    )
    await api.execute("UPDATE link_attempts SET created_at = :t", t=utcnow() - timedelta(seconds=901))
    await new_code(api, "mona")  # issuing sweeps the codes
    assert (await redeem(api, "00000000", wa_id="966500000002")).status_code == 400
    owners = {row[0] for row in await api.fetch("SELECT user_id FROM link_codes")}
    assert owners == {api.id("samir"), api.id("mona")}
    assert [row[0] for row in await api.fetch("SELECT wa_id FROM link_attempts")] == ["966500000002"]


def from_address(api: Api, host: str) -> httpx.AsyncClient:
    """The service calling from another loopback address: another client as the server sees it."""
    client = httpx.AsyncClient(
        base_url=api.url,
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        transport=httpx.AsyncHTTPTransport(local_address=host),
        timeout=30,
    )
    api._clients.append(client)
    return client


async def redeem_from(client: httpx.AsyncClient, code: str, wa_id: str) -> int:
    r = await client.post("/link-codes/redeem", json={"code": code, "wa_id": wa_id})
    return r.status_code


async def test_failures_are_throttled_per_client(start: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = await start(coreapi_link_max_attempts_per_client=3)
    fixed_codes(monkeypatch, "11111111")
    first, other = from_address(api, "127.0.0.2"), from_address(api, "127.0.0.3")
    code = await new_code(api)
    for n in range(3):  # a new number each time: the per-number limit never trips
        assert await redeem_from(first, "00000000", f"96650000001{n}") == 400
    r = await first.post("/link-codes/redeem", json={"code": code, "wa_id": "966500000019"})
    assert (r.status_code, r.json()["code"]) == (429, "too_many_attempts")
    assert r.headers["retry-after"] == "900"
    assert await redeem_from(other, code, "966500000019") == 200
    clients = {row[0] for row in await api.fetch("SELECT client FROM link_attempts")}
    assert clients == {"127.0.0.2"}


async def test_failures_are_throttled_globally(start: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = await start(coreapi_link_max_attempts_global=3)
    fixed_codes(monkeypatch, "11111111")
    code = await new_code(api)
    for n in range(3):  # a new client and a new number each time: only the global limit can trip
        client = from_address(api, f"127.0.0.{n + 2}")
        assert await redeem_from(client, "00000000", f"96650000002{n}") == 400
    r = await from_address(api, "127.0.0.9").post(
        "/link-codes/redeem", json={"code": code, "wa_id": "966500000029"}
    )
    assert (r.status_code, r.json()["code"]) == (429, "too_many_attempts")
    assert r.headers["retry-after"] == "900"
    await api.execute("UPDATE link_attempts SET created_at = :t", t=utcnow() - timedelta(minutes=16))
    assert await redeem_from(from_address(api, "127.0.0.9"), code, "966500000029") == 200


async def test_two_issuers_racing_for_one_code_cannot_both_win(api: Api) -> None:
    from coreapi.models import LinkCode
    from coreapi.routes.links import _claim

    now = utcnow()

    def row(username: str) -> LinkCode:
        return LinkCode(code_hash="f" * 64, user_id=api.id(username), expires_at=now + timedelta(minutes=10))

    async with api.db.sessions() as first, api.db.sessions() as second:
        assert await _claim(first, row("sara"), now)
        racing = asyncio.create_task(_claim(second, row("samir"), now))
        # The second waits on the first's uncommitted row (PostgreSQL: the unique index; SQLite: the lock).
        await asyncio.sleep(0.3)
        assert not racing.done()
        await first.commit()
        assert await racing is False
        await second.commit()
    assert [tuple(r) for r in await api.fetch("SELECT user_id FROM link_codes")] == [(api.id("sara"),)]


async def test_a_retried_issue_replays_the_same_code(api: Api) -> None:
    client = api.client("sara")
    first = await client.post("/link-codes", headers={"Idempotency-Key": "k1"})
    again = await client.post("/link-codes", headers={"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert await unused_rows_per_hash(api) == [1]


async def _rows_naming(api: Api, wa_id: str) -> list[Any]:
    """Every row of the link tables, the audit log and the replay table that holds the number anywhere."""
    found = []
    for table in ("links", "link_attempts", "link_codes", "audit_log", "idempotency_keys"):
        for row in await api.fetch(f"SELECT * FROM {table}"):
            if any(wa_id in str(value) for value in row):
                found.append((table, row))
    return found


async def test_forgetting_a_number_leaves_no_row_naming_it(api: Api) -> None:
    other = "966500000002"
    for wa_id, username in ((WA, "sara"), (other, "samir")):
        assert (await redeem(api, "00000000", wa_id)).status_code == 400  # a failed attempt, kept
        linked = await redeem(api, await new_code(api, username), wa_id, **{"Idempotency-Key": f"k{wa_id}"})
        assert linked.status_code == 200, linked.text
        assert (await api.client("admin").post(f"/links/{wa_id}/block")).status_code == 200
    assert await _rows_naming(api, WA)
    assert (await api.client("admin").post(f"/links/{WA}/forget")).status_code == 401  # service only
    r = await api.service().post(f"/links/{WA}/forget")
    assert r.status_code == 200, r.text
    assert r.json() == {"wa_id": WA, "links": 1, "link_attempts": 1, "link_codes": 1, "audit_entries": 2,
                        "idempotency_records": 1}  # fmt: skip
    assert await _rows_naming(api, WA) == []
    assert (await api.service().get(f"/links/{WA}")).status_code == 404
    # What the organization keeps: that sara's code was used, and that a link was made and blocked.
    assert (await api.fetch("SELECT count(*) FROM link_codes WHERE user_id = :u", u=api.id("sara")))[0][
        0
    ] == 1
    actions = await api.fetch("SELECT action FROM audit_log WHERE entity = 'link' AND subject IS NULL")
    assert sorted(a for (a,) in actions) == ["block", "forget", "link"]
    # The other number is untouched, and a second forget finds nothing.
    assert len(await _rows_naming(api, other)) >= 5
    again = (await api.service().post(f"/links/{WA}/forget")).json()
    assert sum(v for k, v in again.items() if k != "wa_id") == 0
