"""Cached WhatsApp links re-checked against the real core API over loopback (memory/links.py,
tools/corelinks.py): a block, a deactivation or a role change there reaches Hudhud by the next re-check;
a 401 drops the link at once; a 403 that is only one operation's permission does not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from base.catalog import t
from base.keys import Keys
from memory.links import IdentityLinks
from tests.coreapi.conftest import SERVICE_TOKEN, Api
from tests.coreapi.test_tools_e2e import Bench, make_bench, run
from tools.client import CoreApiClient
from tools.corelinks import CoreLinkCheck

NOT_LINKED = t("reply.link_first", "en")
WA = "966500000020"
TINY = 0.05  # the re-check interval once a test wants the next command to ask the core API


@pytest.fixture
async def bench(api: Api, redis, redis_prefix: str) -> AsyncIterator[Bench]:
    def links(client: CoreApiClient, keys: Keys) -> IdentityLinks:
        return IdentityLinks(redis, keys, check=CoreLinkCheck(client), recheck_s=3600)

    async for made in make_bench(api, redis, redis_prefix, links):
        yield made


async def linked(bench: Bench, username: str = "sara") -> IdentityLinks:
    """Linked the way a user does it: a code from the core API, sent to the bot."""
    code = (await bench.api.client(username).post("/link-codes")).json()["code"]
    [reply] = await bench.say(WA, f"/link {code}")
    assert "Linked to Sara" in reply.text, reply.text  # type: ignore[union-attr]
    assert (await run(bench, WA, "list_tasks")).ok
    return bench.executor.links


async def due(links: IdentityLinks) -> None:
    links.recheck_s = TINY
    await asyncio.sleep(TINY)


async def test_a_block_in_the_core_api_refuses_the_next_command_after_the_interval(bench: Bench) -> None:
    links = await linked(bench)
    assert (await bench.api.client("admin").post(f"/links/{WA}/block")).status_code == 200
    assert (await run(bench, WA, "list_tasks")).ok  # the cached link stands until it is re-checked
    await due(links)
    refused = await run(bench, WA, "list_tasks")
    assert not refused.ok and refused.reply == NOT_LINKED
    assert await links.get(WA) is None  # dropped: the user is told how to link (and the core API says no)
    code = (await bench.api.client("sara").post("/link-codes")).json()["code"]
    [again] = await bench.say(WA, f"/link {code}")
    assert "blocked" in again.text  # type: ignore[union-attr]


async def test_a_role_change_in_the_core_api_is_picked_up(bench: Bench) -> None:
    links = await linked(bench)
    assert (await links.get(WA)).role == "member"  # type: ignore[union-attr]
    await bench.api.execute("UPDATE users SET role = 'manager', display_name = 'Sara A.' WHERE id = :u",
                            u=bench.api.id("sara"))  # fmt: skip
    assert (await links.user_for(WA)).role == "member"  # type: ignore[union-attr]
    await due(links)
    fresh = await links.user_for(WA)
    assert fresh is not None and (fresh.role, fresh.display_name) == ("manager", "Sara A.")
    assert (await links.get(WA)).checked_at > fresh.linked_at  # type: ignore[operator,union-attr]


async def test_a_401_drops_the_link_at_once(bench: Bench) -> None:
    links = await linked(bench)  # her JWT is cached from that first command
    await bench.api.execute("UPDATE users SET active = false WHERE id = :u", u=bench.api.id("sara"))
    refused = await run(bench, WA, "list_tasks")  # no re-check is due: the API's 401 says enough
    assert not refused.ok and refused.reply == NOT_LINKED
    assert await links.get(WA) is None


async def test_a_permission_403_rechecks_but_keeps_a_good_link(bench: Bench) -> None:
    links = await linked(bench)
    before = (await links.get(WA)).checked_at  # type: ignore[union-attr]
    refused = await run(bench, WA, "complete_task", task_id=bench.api.task(5))  # the team's, not hers
    assert not refused.ok and refused.error == t("api_error.task_not_yours", "en", action="complete")
    after = await links.get(WA)
    assert after is not None and after.checked_at > before  # type: ignore[operator]
    # The same 403 once the number is blocked there: the re-check it causes drops the link at once.
    await bench.api.client("admin").post(f"/links/{WA}/block")
    refused = await run(bench, WA, "complete_task", task_id=bench.api.task(5))
    assert refused.reply == NOT_LINKED and await links.get(WA) is None


async def test_an_unreachable_core_api_keeps_the_cached_link(redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    client = CoreApiClient("http://127.0.0.1:9", SERVICE_TOKEN, retries=0)  # nothing listens there
    links = IdentityLinks(redis, keys, check=CoreLinkCheck(client), recheck_s=TINY)
    try:
        made = await links.link(WA, 7, role="member")
        await asyncio.sleep(TINY)
        kept = await links.user_for(WA)
        assert kept is not None and kept.user_id == 7
        assert await links.get(WA) == made  # not marked checked: the next command asks again
    finally:
        await client.aclose()


def test_links_set_and_unlink_mirror_the_core_api(api: Api, settings_factory, monkeypatch) -> None:
    """`hudhud links set` leaves what /link leaves: the link in the core API too, so its re-check holds."""
    import httpx
    from typer.testing import CliRunner

    from hudhud.cli import app

    settings = settings_factory(core_api_url=api.url, hudhud_core_api_token=SERVICE_TOKEN)
    for name, value in settings.variables().items():
        if value is not None and not isinstance(value, dict):
            shown = value.get_secret_value() if hasattr(value, "get_secret_value") else value
            monkeypatch.setenv(name.upper(), str(shown))
    runner, headers = CliRunner(), {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    result = runner.invoke(app, ["links", "set", WA, str(api.id("sara"))])
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    mirrored = httpx.get(f"{api.url}/links/{WA}", headers=headers)
    assert mirrored.status_code == 200 and mirrored.json()["user_id"] == api.id("sara")
    assert runner.invoke(app, ["links", "unlink", WA]).exit_code == 0
    assert httpx.get(f"{api.url}/links/{WA}", headers=headers).status_code == 404
