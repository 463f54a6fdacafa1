"""Linking a WhatsApp number to a user with a one-time code, and the links mirror."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from coreapi.clock import utcnow
from tests.coreapi.conftest import Api

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
    assert len(body["code"]) == 6 and body["code"].isdigit()
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
        assert (await redeem(api, "000000")).status_code == status


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
