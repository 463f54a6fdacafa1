"""Drafts of prompts and tool descriptions on the playground page (hudhud/admin/playground_drafts.py),
through the real service on the fake OpenAI-compatible model: a draft reaches the model on playground
turns only, never on a real user's turn; it is discarded, saved as the prompt's next version (which the
store then serves), or run against a dev suite by a real `hudhud eval run` child; viewers, a missing
CSRF token and any environment but dev are refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from base.keys import Keys
from hudhud.admin.accounts import Accounts
from hudhud.admin.audit import AuditLog
from hudhud.admin.draft_files import DraftFileError, publish_tool
from hudhud.admin.eval_queue import EvalQueue
from hudhud.app import create_app
from hudhud.drafts import DraftStore
from hudhud.playground import PREFIX
from prompts.store import DEFAULT_ROOT, PromptStore
from tests.admin.conftest import PASSWORD, csrf_of, sign_in
from tests.admin.test_evals_page import child_env
from tests.helpers import (
    agent_settings,
    body_of,
    envelope,
    free_port,
    live,
    message,
    signed_headers,
    wait_for,
)
from tools.pack import load_packs
from tools.registry import load_specs

USER = "966500000091"
PLAYED = "966500000092"
PERSONA = "prompt:persona.exec.en"
MARK = "DRAFT-PERSONA-7731"
TOOL_MARK = "DRAFT-TOOL-5517 add a new task or reminder"
QUESTION = "what should the team look at before the quarterly review"


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    """A copy of the shipped prompts as the service's HUDHUD_PROMPTS_DIR: saving writes here only."""
    folder = tmp_path / "prompts"
    folder.mkdir()
    for file in DEFAULT_ROOT.glob("*.md"):
        shutil.copyfile(file, folder / file.name)
    return folder


def said(requests: list[dict[str, Any]]) -> str:
    """Everything the model was sent, as one text."""
    return orjson.dumps(requests).decode()


async def test_a_draft_is_used_by_playground_turns_only_then_discarded_and_saved(
    settings_factory, fake_openai, redis, redis_prefix, prompts_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    settings = agent_settings(
        settings_factory, fake_openai, port, PASSWORD,
        hudhud_prompts_dir=prompts_dir, hudhud_data_dir=tmp_path / "data",
    )  # fmt: skip
    keys = Keys(redis_prefix)
    with live(create_app(settings, workers=1), port=port) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            await sign_in(http)
            page = await http.get("/admin/playground", params={"edit": PERSONA})
            csrf = csrf_of(page.text)
            shipped = PromptStore(prompts_dir).get("persona.exec", "en")
            assert (
                'id="draft-edit"' in page.text and shipped.text.splitlines()[0] in page.text
            )  # starts from it

            put = await http.post(
                "/admin/playground/drafts",
                data={"csrf": csrf, "target": PERSONA, "text": f"{MARK}\n\n{shipped.text}"},
            )
            assert put.status_code == 303, put.text
            tool = await http.post(
                "/admin/playground/drafts",
                data={"csrf": csrf, "target": "tool:create_task", "text": TOOL_MARK},
            )
            assert tool.status_code == 303
            listed = (await http.get("/admin/playground")).text
            assert (
                'data-target="prompt:persona.exec.en"' in listed
                and 'data-target="tool:create_task"' in listed
            )

            # A playground turn: the model is sent the drafted persona and tool description.
            fake_openai.requests.clear()
            turn = await http.post(
                f"{PREFIX}/turn",
                json={"wa_id": PLAYED, "text": QUESTION, "profile": "exec"},
                headers={"x-csrf-token": csrf},
            )
            assert turn.status_code == 200, turn.text
            assert MARK in said(fake_openai.requests) and "DRAFT-TOOL-5517" in said(fake_openai.requests)
            versions = turn.json()["agent"][0]["prompts"]
            assert any(k.startswith("persona.exec.en@draft-") for k in versions), versions
            assert any(k.startswith("tool:create_task@draft-") for k in versions), versions

            # The same words from a real user, right after: the saved texts, no draft.
            fake_openai.requests.clear()
            body = body_of(envelope([message("wamid.drafts.1", USER, QUESTION)]))
            assert (
                await http.post("/webhook/whatsapp", content=body, headers=signed_headers(body))
            ).status_code == 200
            await wait_for(lambda: _answered(http), timeout=60, interval=0.1)
            assert fake_openai.requests and shipped.text[:60] in said(fake_openai.requests)
            assert MARK not in said(fake_openai.requests) and "DRAFT-TOOL" not in said(fake_openai.requests)

            # Discarded: gone from Redis and from the next playground turn.
            gone = await http.post(
                "/admin/playground/drafts/discard", data={"csrf": csrf, "target": "tool:create_task"}
            )
            assert gone.status_code == 303
            assert (await DraftStore(redis, keys).load()).tools == {}
            again = await http.post(
                "/admin/playground/drafts/discard", data={"csrf": csrf, "target": "tool:create_task"}
            )
            assert again.status_code == 404

            # Saved: the prompt file's next version, served by the store; the draft is dropped.
            saved = await http.post("/admin/playground/drafts/save", data={"csrf": csrf, "target": PERSONA})
            assert saved.status_code == 303, saved.text
            now = PromptStore(prompts_dir).get("persona.exec", "en")
            assert now.version == shipped.version + 1 and now.text.startswith(MARK)
            assert now.description == shipped.description
            assert not await DraftStore(redis, keys).load()
            fake_openai.requests.clear()
            turn = await http.post(
                f"{PREFIX}/turn",
                json={"wa_id": PLAYED, "text": QUESTION, "profile": "exec"},
                headers={"x-csrf-token": csrf},
            )
            assert MARK in said(fake_openai.requests)
            assert f"persona.exec.en@{now.version}" in turn.json()["agent"][0]["prompts"]
    actions = [(e.action, e.target) for e in await AuditLog(redis, keys).page()]
    for action in ("draft_put", "draft_discard", "draft_save"):
        assert (action, PERSONA if action != "draft_discard" else "tool:create_task") in actions


async def _answered(http: httpx.AsyncClient) -> bool:
    out = (await http.get("/sandbox/messages", params={"to": USER}, auth=("admin", PASSWORD))).json()
    return any(m["payload"].get("type") == "text" for m in out)


async def test_a_draft_run_is_queued_with_the_drafts_and_run_by_a_real_child(
    settings_factory, fake_openai, redis, redis_prefix, prompts_dir: Path, monkeypatch, tmp_path: Path
) -> None:
    child_env(monkeypatch, fake_openai, tmp_path)
    runs = tmp_path / "runs"
    settings = settings_factory(
        hudhud_admin_password=PASSWORD, hudhud_eval_runs_dir=runs, hudhud_prompts_dir=prompts_dir
    )
    keys = Keys(redis_prefix)
    with live(create_app(settings)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await sign_in(http)
            csrf = csrf_of((await http.get("/admin/playground")).text)
            fields = {"csrf": csrf, "suite": "ci-smoke.yaml", "filter": "create-task-en"}
            none = await http.post("/admin/playground/drafts/run", data=fields)
            assert none.status_code == 422 and "no draft" in none.text
            shipped = PromptStore(prompts_dir).get("persona.exec", "en").text
            for target, text in ((PERSONA, f"{MARK}\n{shipped}"), ("tool:create_task", TOOL_MARK)):
                await http.post(
                    "/admin/playground/drafts", data={"csrf": csrf, "target": target, "text": text}
                )
            fake_openai.requests.clear()
            queued = await http.post("/admin/playground/drafts/run", data=fields)
            assert queued.status_code == 303 and queued.headers["location"].startswith("/admin/evals")
            (run,) = await EvalQueue(redis, keys).recent()
            assert run.draft is not None and run.draft.names == [PERSONA, "tool:create_task"]
            drafted = PromptStore(Path(run.draft.prompts_dir)).get("persona.exec", "en")
            assert (
                drafted.text.startswith(MARK) and Path(run.draft.prompts_dir).parent.parent == runs / run.id
            )
            assert set(run.draft.env()) == {"HUDHUD_PROMPTS_DIR", "HUDHUD_TOOL_DESCRIPTIONS"}

            async def ended() -> str | None:
                html = (await http.get("/admin/evals/queue")).text
                return html if 'data-status="done"' in html or 'data-status="failed"' in html else None

            html = await wait_for(ended, timeout=90, interval=0.5)
            assert 'data-status="done"' in html and "draft run" in html, html
            assert MARK in said(fake_openai.requests) and "DRAFT-TOOL-5517" in said(fake_openai.requests)
    assert PromptStore(prompts_dir).get("persona.exec", "en").text == shipped  # the service's untouched


async def test_viewers_a_missing_csrf_token_and_other_environments_are_refused(
    settings_factory, redis, redis_prefix
) -> None:
    keys = Keys(redis_prefix)
    await Accounts(redis, keys).create("watcher", "watcher-pass-1234", "viewer")
    with live(create_app(settings_factory(hudhud_admin_password=PASSWORD))) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await sign_in(http)
            csrf = csrf_of((await http.get("/admin/playground")).text)
            no_token = await http.post("/admin/playground/drafts", data={"target": PERSONA, "text": "x"})
            assert no_token.status_code == 403
            bad = await http.post(
                "/admin/playground/drafts", data={"csrf": csrf, "target": "prompt:nope", "text": "x"}
            )
            assert bad.status_code == 422
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as viewer:
            await sign_in(viewer, "watcher", "watcher-pass-1234")
            token = csrf_of((await viewer.get("/admin/evals")).text)
            for path in ("", "/discard", "/save", "/run"):
                refused = await viewer.post(
                    f"/admin/playground/drafts{path}", data={"csrf": token, "target": PERSONA, "text": "x"}
                )
                assert refused.status_code == 403, path
    assert not await DraftStore(redis, keys).load()
    staging = settings_factory(
        hudhud_env="staging", hudhud_admin_password=PASSWORD, hudhud_encryption_key="k" * 43 + "="
    )
    with live(create_app(staging)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            assert (
                await http.post("/admin/playground/drafts/save", data={"target": PERSONA})
            ).status_code == 401
            refused = await http.post(
                "/admin/playground/drafts/save", data={"target": PERSONA}, auth=("admin", PASSWORD)
            )
            assert refused.status_code == 409 and "only in dev (HUDHUD_ENV=staging)" in refused.text


def test_a_tool_description_is_saved_into_its_pack_file_and_nothing_else_changes(tmp_path: Path) -> None:
    (pack,) = load_packs(["tools.packs.tasks"])
    copy = tmp_path / "tools.yaml"
    shutil.copyfile(pack.specs, copy)
    before = copy.read_text(encoding="utf-8").splitlines()
    local = type("Pack", (), {"specs": copy})()
    assert publish_tool([local], "list_tasks", 'show tasks: "scope" mine | team') == copy
    after = copy.read_text(encoding="utf-8").splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and "list_tasks" in before[changed[0] - 1]
    specs = {s.name: s for s in load_specs([copy])}
    assert specs["list_tasks"].description == 'show tasks: "scope" mine | team'
    assert specs["create_task"].description == "add a new task or reminder."
    with pytest.raises(DraftFileError, match="no pack defines"):
        publish_tool([local], "no_such_tool", "x")
