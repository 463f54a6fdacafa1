"""The catalog (base/catalog.py, base/locales/*.po): every text a user reads, in every language, plurals
by CLDR's rules; the core API's errors worded by code; no user text written anywhere else."""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from pathlib import Path

import pytest

from base import catalog
from base.catalog import both, t, tn
from base.commands import CommandRouter
from base.turn import InboundMessage, TextPart, Turn, UserRef, make_turn_id
from tools.client import CoreApiError
from tools.executor import explain, numbered

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("base", "prompts", "memory", "channels", "tools", "agent", "hudhud", "evals")
ARABIC_FORMS = ("zero", "one", "two", "few", "many", "other")


def arabic_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") and "ARABIC" in unicodedata.name(c, "") for c in text)


def forms(key: str, lang: str) -> tuple[str, ...]:
    found = catalog.catalogs()[lang].messages[key]
    return found if isinstance(found, tuple) else (found,)


# ------------------------------------------------------------------ the catalog itself


def test_every_key_is_in_both_languages_and_every_plural_has_all_its_forms() -> None:
    codes = catalog.catalogs()
    assert set(codes) == {"en", "ar"} and catalog.languages() == ("en", "ar")
    assert set(codes["en"].messages) == set(codes["ar"].messages)
    assert codes["ar"].categories == ARABIC_FORMS and codes["en"].categories == ("one", "other")
    for key in catalog.all_keys():
        assert isinstance(codes["ar"].messages[key], tuple) == catalog.is_plural(key), key
        for lang in ("en", "ar"):
            texts = forms(key, lang)
            assert all(texts), (key, lang)  # nothing left untranslated
            assert len(texts) == (len(codes[lang].categories) if catalog.is_plural(key) else 1), (key, lang)
            for text in texts:
                list(string.Formatter().parse(text))  # a well-formed template


def test_plurals_follow_cldr() -> None:
    # "3 مهام" but "11 مهمة": Arabic counts take the plural from 3 to 10 and the singular from 11.
    said = {n: tn("reply.list_more", n, "ar") for n in (1, 2, 3, 10, 11, 99, 100, 103)}
    assert said[1] == "… ومهمة أخرى" and said[2] == "… ومهمتان أخريان"
    assert said[3] == "… و3 مهام أخرى" and said[10] == "… و10 مهام أخرى" and said[103] == "… و103 مهام أخرى"
    assert said[11] == "… و11 مهمة أخرى" and said[99] == "… و99 مهمة أخرى" and said[100] == "… و100 مهمة أخرى"
    assert tn("reply.list_more", 1, "en") == "… and 1 more task"
    assert tn("reply.list_more", 21, "en") == "… and 21 more tasks"
    assert (
        tn("confirm.bulk", 3, "en") == "Mark 3 tasks done?"
        and tn("confirm.bulk", 3, "ar") == "هل أنجز هذه المهام (3)؟"
    )
    assert tn("confirm.bulk", 2, "ar") == "هل أنجز هاتين المهمتين؟"
    assert t("confirm.bulk", "ar", count=3) == tn("confirm.bulk", 3, "ar")  # t() reads {count}
    assert numbered([7], "ar") == "المهمة 7" and numbered([3, 4, 9], "ar") == "المهام 3، 4 و9"
    assert numbered([7, 9], "en") == "tasks 7 and 9" and numbered([7, 9], "ar") == "المهمتان 7 و9"


def test_languages_known_unknown_and_missing() -> None:
    assert t("reply.cancelled", "ar") == "تم الإلغاء." and t("reply.cancelled", "en") == "Cancelled."
    assert t("reply.cancelled", "ar-latn") == t("reply.cancelled", "ar_SA") == "تم الإلغاء."  # its base
    assert t("reply.cancelled", "fr") == "Cancelled."  # a language the catalog lacks: English
    assert t("reply.cancelled", None) == both("reply.cancelled") == "Cancelled.\nتم الإلغاء."  # not known
    assert t("command.pong", None) == "pong"  # the same in both: said once
    with pytest.raises(KeyError):
        t("no.such.key", "en")


# Arabic texts that keep Latin letters, and why.
LATIN_IN_ARABIC = {
    "command.pong": "the reply to /ping is its echo, the same word in every language",
    "command.pong_lag": "the same",
    "model.tool_result": "given to the model, not shown; names the format (JSON)",
    "prefs.lang_usage": "the command's arguments are the language codes: /lang ar, /lang en",
    "prefs.tz_usage": "time zone names are typed as written: /tz Asia/Riyadh",
    "usage.lang": "the same: ar|en",
}


def test_no_language_leaks_into_another() -> None:
    for key in catalog.all_keys():
        for text in forms(key, "en"):
            assert not arabic_letters(text), key  # never a bilingual text in English
        for text in forms(key, "ar"):
            # Latin letters left after the values and the slash commands are English inside Arabic.
            rest = re.sub(r"/[a-z]+", "", re.sub(r"\{\w+\}", "", text))
            assert key in LATIN_IN_ARABIC or not re.search("[A-Za-z]", rest), (key, text)
            assert "{detail}" not in text, key  # the API's English sentence never enters Arabic


def test_the_pipeline_replies_stay_bilingual_and_unchanged() -> None:
    from base.responder import FAILURE_REPLY, NO_AGENT_REPLY, TIMEOUT_REPLY, UNSUPPORTED_REPLY

    assert TIMEOUT_REPLY == (
        "Sorry, that took too long on my side. Please try again in a moment.\n"
        "عذراً، استغرق الأمر وقتاً أطول من اللازم. حاول مرة أخرى بعد قليل."
    )
    for reply, key in [
        (UNSUPPORTED_REPLY, "unsupported"),
        (FAILURE_REPLY, "failure"),
        (NO_AGENT_REPLY, "no_agent"),
    ]:
        assert reply == f"{t(f'pipeline.{key}', 'en')}\n{t(f'pipeline.{key}', 'ar')}"


# ------------------------------------------------------------------ the core API's errors


def _coreapi_codes() -> dict[str, set[int]]:
    """Every error code the reference core API can answer with, and its statuses: ApiError(status,
    "code", …) and the helpers forbidden/not_found/invalid("code", …), read from its source."""
    helpers = {"forbidden": 403, "not_found": 404, "invalid": 422, "unauthorized": 401}
    codes: dict[str, set[int]] = {}
    for path in (ROOT / "coreapi").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = node.args
            if node.func.id == "ApiError" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                status = args[0].value if isinstance(args[0], ast.Constant) else 0
                codes.setdefault(args[1].value, set()).add(status)
            elif node.func.id in helpers and path.name != "errors.py":
                code = "unauthorized" if node.func.id == "unauthorized" else args[0].value  # type: ignore[attr-defined]
                codes.setdefault(code, set()).add(helpers[node.func.id])
    # The handlers' own: request validation, and Starlette's 404 / 405.
    codes.update(
        {"validation_error": {422}, "not_found": {404}, "method_not_allowed": {405}, "http_error": {0}}
    )
    return codes


def test_every_refusal_of_the_core_api_names_its_case() -> None:
    codes = _coreapi_codes()
    assert {"task_not_found", "assign_not_yours", "too_many_attempts", "already_done"} <= set(codes)
    generic = {"forbidden", "not_found", "validation_error", "http_error"}
    for code, statuses in codes.items():
        if statuses & {403, 404, 409, 422, 429} and code not in {"not_found", "validation_error"}:
            assert code not in generic, code  # a 403/409/422/429 raised in code says which case it is


@pytest.mark.parametrize("code", sorted(_coreapi_codes()))
def test_every_api_error_code_renders_in_both_languages(code: str) -> None:
    assert catalog.has(f"api_error.{code}"), code
    values = {"task_id": 7, "task_ids": [7, 9], "name": "سارة", "action": "complete", "query": "سارة",
              "candidates": [{"display_name": "سارة", "username": "sara"}], "user_id": 3, "roles": "admin",
              "fields": "role", "field": "title", "username": "sara", "wa_id": "9665", "zone": "Asia/Riyadh",
              "scopes": "mine"}  # fmt: skip
    error = CoreApiError(403, "English detail that must not show", {"code": code, **values})
    english, arabic = explain(error, "en"), explain(error, "ar")
    assert english and arabic and english != arabic
    assert not arabic_letters(english.replace("سارة", ""))
    # Arabic: no English; the only Latin letters are values the user gave (a username, a time zone).
    assert "English detail" not in arabic
    assert not re.search("[A-Za-z]", arabic.replace("sara", "").replace("Asia/Riyadh", "")), arabic


def test_unknown_codes_use_the_detail_in_english_only() -> None:
    error = CoreApiError(403, "the moon is closed", {"code": "moon_closed"})
    assert explain(error, "en") == "not allowed — the moon is closed"
    assert explain(error, "ar") == t("api_error.status.forbidden", "ar") == "غير مسموح لك بذلك."
    assert explain(CoreApiError(418, "teapot", "not json"), "ar") == t("api_error.status.failure", "ar")
    assert explain(CoreApiError(429, "slow down"), "en") == "too many attempts, please wait a little"
    # A known code keeps today's English wording.
    found = CoreApiError(404, "task 5 not found", {"code": "task_not_found", "task_id": 5})
    assert explain(found, "en") == "not found — task 5 not found"
    assert explain(found, "ar") == "المهمة 5 غير موجودة"
    done = CoreApiError(409, "x", {"code": "already_done", "task_ids": [3, 4]})
    assert explain(done, "en") == "tasks 3 and 4 are already done"
    assert explain(done, "ar") == "المهمتان 3 و4 منجزتان من قبل"


# ------------------------------------------------------------------ nowhere else


# Files of the product packages that may hold Arabic letters outside the catalog: data the code reads
# the user's words with, never a text the user reads. Docstrings and comments do not count.
ARABIC_DATA = {
    "base/text/dates.py": "date words of the user's messages (بكرة, الخميس الجاي) → calendar dates",
    "base/text/folding.py": "normalization tables: Arabic letter variants, digits, tatweel",
    "base/text/names.py": "spelling variants of people's names, to match what users write",
    "base/text/priority.py": "priority words of the user's messages (عاجل, مش مهم)",
    "base/text/lexicon.py": "the Arabic diacritics set aside when users' words are matched",
    "agent/cues.py": "cue lexicons: follow-ups, questions, small talk, 'remember', link-code words",
    "agent/capabilities.py": "greetings and 'what can you do?' as asked in each dialect group",
    "agent/claims.py": "how each dialect group reports an action as done, to withhold unbacked claims",
    "evals/claims.py": "the evals' own lexicon of action claims per dialect group, to score replies",
    "agent/assent.py": "yes and no as typed in each dialect group, to answer a waiting confirmation",
    "tools/packs/tasks/cues.py": "cue lexicons of task commands: create, done, reopen, mine, hand over, undo",
    "tools/naming.py": "stop words and ordinals (الثانية, التاني) per dialect group, to find a task by title",
    "agent/replies.py": "the 'Source:' labels a model writes in Arabic, matched to be replaced by ours",
    "memory/embeddings.py": "off-topic Arabic sentences calibrating retrieval relevance (model input)",
    "base/text/content.py": "Arabic stop words and clitics, to compare questions with retrieved passages",
    "hudhud/demo.py": "the demo organization's people and task titles (data for the core API, not replies)",
}


def _product_files() -> list[Path]:
    return sorted(p for pkg in PRODUCT for p in (ROOT / pkg).rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_arabic_text_outside_the_catalog() -> None:
    offenders = []
    for path in _product_files():
        name = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            if literal and arabic_letters(node.value) and name not in ARABIC_DATA:  # type: ignore[attr-defined]
                offenders.append(f"{name}:{node.lineno}: {node.value[:40]!r}")  # type: ignore[attr-defined]
    assert offenders == [], "user texts belong in base/locales (docs/catalog.md):\n" + "\n".join(offenders)
    for name in ARABIC_DATA:  # the allow-list stays honest: each file exists and still needs it
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        assert any(
            isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and id(n) not in docs
            and arabic_letters(n.value)
            for n in ast.walk(tree)
        ), f"{name} no longer holds Arabic data: take it off ARABIC_DATA"
    # The shipped tool specs name catalog keys for what users read (descriptions are the model's).
    from tools.registry import ToolRegistry

    for spec in ToolRegistry.shipped():
        texts = [spec.reply, spec.confirm_text, *(a.ask for a in spec.args.values())]
        texts += [spec.needs_one_of.ask] if spec.needs_one_of else []
        assert all(isinstance(text, str) or text == {} for text in texts), spec.name


def test_reply_parts_get_no_literal_text() -> None:
    fields = {
        "TextPart": "text",
        "ButtonsPart": "text",
        "ListPart": "text",
        "Button": "title",
        "ListRow": "title",
    }
    offenders = []
    for path in _product_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            for keyword in node.keywords:
                if keyword.arg == fields.get(name) and isinstance(
                    keyword.value, ast.Constant | ast.JoinedStr
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}({keyword.arg}=…)")
    assert offenders == [], "\n".join(offenders)


# ------------------------------------------------------------------ commands in the user's language


def _turn(text: str) -> Turn:
    message = InboundMessage(
        id=f"wamid.{abs(hash(text))}", wa_id="9665", phone_number_id="p", type="text", text=text
    )
    return Turn(
        turn_id=make_turn_id([message.id]), message_ids=[message.id], messages=[message],
        user=UserRef(wa_id="9665"), phone_number_id="p", profile="exec",
    )  # fmt: skip


async def test_router_texts_are_bilingual_only_while_the_language_is_unknown() -> None:
    router = CommandRouter()
    [unknown] = await router.respond(_turn("/nope"))
    assert isinstance(unknown, TextPart) and unknown.text == both("command.unknown", name="nope")
    [listed] = await router.respond(_turn("/help"))
    assert (
        isinstance(listed, TextPart) and t("help.ping", "ar") in listed.text and "Check that" in listed.text
    )

    async def arabic(turn: Turn) -> str:
        return "ar"

    router.use_language(arabic)
    [unknown] = await router.respond(_turn("/nope"))
    assert isinstance(unknown, TextPart) and unknown.text == t("command.unknown", "ar", name="nope")
    [listed] = await router.respond(_turn("/help"))
    assert isinstance(listed, TextPart) and listed.text.splitlines()[0] == "*الأوامر*"
    assert not re.search("[A-Za-z]", re.sub(r"/[a-z]+", "", listed.text))  # all Arabic


async def test_memory_commands_speak_the_users_language(redis, redis_prefix: str) -> None:
    from base.keys import Keys
    from memory.commands import register_memory_commands
    from memory.privacy import UserData

    async def arabic(turn: Turn) -> str:
        return "ar"

    data = UserData(redis, Keys(redis_prefix))
    router = CommandRouter()
    register_memory_commands(router, data, None, with_forget=True)
    [said] = await router.respond(_turn("/forget"))
    assert isinstance(said, TextPart) and said.text == both("forget.done_memory")  # language not known
    register_memory_commands(router, data, None, with_forget=True, lang_of=arabic)
    [said] = await router.respond(_turn("/forget"))
    assert isinstance(said, TextPart) and said.text == t("forget.done_memory", "ar")


def test_values_named_like_the_parameters_fill_templates() -> None:
    """A tool result carries fields named `text`, `key` or `lang` (a comment's text): they are values,
    never the lookup's own arguments (an add_comment reply used to fail on `text`)."""
    from agent.replies import render_result, text
    from base.catalog import both, text_of, tn
    from tools.base import ToolResult
    from tools.registry import ToolRegistry

    spec = ToolRegistry.shipped().get("add_comment")
    assert spec is not None
    comment = {"id": 7, "task_id": 30, "text": "بانتظار رد قسم المالية", "key": "k", "lang": "x", "n": 2}
    reply = render_result(spec, ToolResult(ok=True, data=comment), {"task_id": 30, "text": "…"}, "ar")
    # The task's number, never the comment's own id (a reply once said "task #1" for a comment on #51).
    assert reply == t("tool.add_comment.reply", "ar", task_id=30) and "#30" in reply and "#7" not in reply
    added = "💬 Comment added to task #7."
    assert text_of("tool.add_comment.reply", "en", text="x", lang="y", task_id=7) == added
    assert t("tool.add_comment.reply", "en", key="k", lang="l", task_id=7) == added
    assert tn("reply.list_more", 3, "en", key="k", n=9, lang="l") == tn("reply.list_more", 3, "en")
    assert both("tool.add_comment.reply", key="k", task_id=7).count("#7") == 2
    assert text("done", "en", key="k", lang="l") == text("done", "en")
