"""`hudhud eval capture`: a conversation through the real pipeline (scripted model, real Redis, the
reference core API over loopback) captured from the interaction log into a suite case with its fixtures,
and the captured suite replayed to the same end state."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from base.keys import Keys
from evals.capture import capture, task_ids, turn_of
from evals.harness import PROFILE_NUMBERS, CaseEnv, Conversation, _pipeline, prepare_user
from evals.runner import RunOptions, run_eval
from evals.suite import Suite, load_suite
from evals.world import CoreWorld
from hudhud.interactions import Interaction, InteractionLog
from tests.conftest import REDIS_TEST_URL
from tests.evals.test_runner import settings_for

ORIGINAL = """\
name: live
clock: "2026-11-25T09:00:00+03:00"
fixtures:
  users:
    - {username: omar, name: Omar Hassan, role: manager, team: ops, lang: en}
    - {username: sara, name: Sara Ali, role: member, team: ops, lang: ar}
    - {username: noor, name: Noor, role: member, team: sales, lang: en}
  tasks:
    - {id: 7, title: Quarterly report, created_by: omar, assignee: sara, due: "2026-11-30",
       comments: [draft v2]}
    - {id: 9, title: Unrelated, created_by: noor}
cases:
  - id: live
    tags: [en]
    user: {wa_id: "966500000077", linked_as: omar, lang: en}
    turns:
      - user: "add a task to review the budget"
      - user: "show task 7"
      - user: "delete task 7"
      - press: cancel
"""


def script(fake_openai: Any) -> None:
    fake_openai.reply_tool("create_task", {"title": "review the budget", "due_date": "2026-11-26"})
    fake_openai.reply_tool("get_task", {"task_id": 7})
    fake_openai.reply_tool("delete_task", {"task_id": 7})


def entry(types: list[str], text: str) -> Interaction:
    return Interaction(id="1-0", ts=1, turn_id="t", status="ok", outcome="ok", types=types, text=text)


def test_turns_and_task_ids() -> None:
    assert turn_of(entry(["text"], "hi")) == {"user": "hi"}
    assert turn_of(entry(["interactive"], "Confirm")) == {"press": "confirm"}
    assert turn_of(entry(["interactive"], "إلغاء")) == {"press": "cancel"}
    assert turn_of(entry(["image"], "")) is None
    calls = [{"args": {"task_id": "7"}}, {"args": {"task_ids": [7, 8]}}, {"args": {"title": "x"}}]
    assert task_ids(calls) == [7, 8]


async def test_a_captured_conversation_replays_to_the_same_end_state(
    fake_openai: Any, tmp_path: Path
) -> None:
    source = tmp_path / "live.yaml"
    source.write_text(ORIGINAL, encoding="utf-8")
    suite: Suite = load_suite(source)
    case = suite.cases[0]
    settings = settings_for(fake_openai, tmp_path)
    env = CaseEnv(
        settings=settings.replace(hudhud_kb_seed=None), workdir=Path(tempfile.mkdtemp(dir=tmp_path)),
        data_dir=tmp_path / "data", redis_url=REDIS_TEST_URL, model_name="gpt-test",
    )  # fmt: skip
    world = CoreWorld(tmp_path / "core", suite.fixtures_of(case), timezone=suite.timezone)
    script(fake_openai)
    await world.start()
    try:
        case_settings = env.case_settings(prefix=Keys(env.prefix).within("live").prefix, core=world,
                                          timezone=suite.timezone)  # fmt: skip
        async with _pipeline(env, case_settings, suite, None) as (container, receiver):
            await prepare_user(container, world, suite, case)
            chat = Conversation(container, receiver, env.secret, PROFILE_NUMBERS["exec"], case)
            for index, turn in enumerate(case.turns):
                record = await chat.send(index, turn, timeout_s=60)
                assert record.status == "ok", record
            captured = await capture(
                case_settings,
                wa_id="966500000077",
                name="captured",
                redis=container.redis,
                cipher=container.cipher,
            )
            log = InteractionLog.from_settings(container.redis, case_settings, sealer=container.cipher)
            shown = next(e for e in await log.query(wa_id="966500000077") if e.text == "show task 7")
            one = await capture(case_settings, trace_id=shown.trace_id, redis=container.redis,
                                cipher=container.cipher)  # fmt: skip
        end_state = await world.snapshot()
    finally:
        await world.stop()

    got = captured["cases"][0]
    assert got["turns"] == [
        {"user": "add a task to review the budget"},
        {"user": "show task 7"},
        {"user": "delete task 7"},
        {"press": "cancel"},
    ]
    assert got["user"] == {"wa_id": "966500000077", "linked_as": "omar", "lang": "en"}
    # The task the turns named, as the core API has it, and the people involved — not task 9 or noor.
    assert captured["fixtures"]["tasks"] == [
        {"id": 7, "title": "Quarterly report", "created_by": "omar", "status": "open", "priority": "normal",
         "assignee": "sara", "due": "2026-11-30", "comments": ["draft v2"]}
    ]  # fmt: skip
    assert [u["username"] for u in captured["fixtures"]["users"]] == ["omar", "sara"]
    assert "create_task(title='review the budget'" in got["description"]
    # By trace id: that one turn, with the task it named.
    assert one["cases"][0]["turns"] == [{"user": "show task 7"}]
    assert [t["id"] for t in one["fixtures"]["tasks"]] == [7]

    out = tmp_path / "captured.yaml"
    out.write_text(yaml.safe_dump(captured, allow_unicode=True, sort_keys=False), encoding="utf-8")
    replay = load_suite(out)  # a valid suite as written
    script(fake_openai)
    outcome = await run_eval([replay], RunOptions(out=tmp_path / "o", kb="", concurrency=1), settings)
    result = outcome.results[0]
    assert result.error is None and [t.status for t in result.turns] == ["ok"] * 4

    # The same end state: task 7 as the conversation left it, the task it created (a new id is the core
    # API's to give: task 9, never touched, is not in the captured world).
    def without_ids(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in t.items() if k != "id"} for t in tasks]

    assert result.state_after is not None
    assert result.state_after[0] == end_state[0] and result.state_after[0]["id"] == 7
    assert without_ids(result.state_after[1:]) == without_ids([t for t in end_state[1:] if t["id"] != 9])
    assert len(result.state_after) == 2


def test_capture_command_usage(tmp_path: Path, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from hudhud.cli import app

    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.delenv("CORE_API_URL", raising=False)
    runner = CliRunner()
    out = tmp_path / "captured.yaml"
    neither = runner.invoke(app, ["eval", "capture", "--out", str(out)])
    assert neither.exit_code == 2 and "give --user WA_ID or --trace TRACE_ID" in neither.output
    both = runner.invoke(app, ["eval", "capture", "--out", str(out), "--user", "1", "--trace", "t"])
    assert both.exit_code == 2
    no_core = runner.invoke(app, ["eval", "capture", "--out", str(out), "--user", "966500000077"])
    assert no_core.exit_code == 2 and "CORE_API_URL" in no_core.output and not out.exists()
    out.write_text("x")
    kept = runner.invoke(app, ["eval", "capture", "--out", str(out), "--user", "966500000077"])
    assert kept.exit_code == 2 and "exists" in kept.output and out.read_text() == "x"
