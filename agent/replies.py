"""Replies composed in code: tool results through their templates, clarifying questions, refusals.

A simple result needs no second model call: the spec's template in the user's language says it.
"""

from __future__ import annotations

import re
from typing import Any

from hudhud.wording import fill, phrase
from tools.base import ToolResult
from tools.spec import ToolSpec

_TEXT: dict[str, dict[str, str]] = {
    "not_connected": {
        "en": "I understood: {summary} — but commands are not connected on this number yet.",
        "ar": "فهمت طلبك: {summary} — لكن تنفيذ الأوامر غير مفعّل على هذا الرقم بعد.",
    },
    "unclear": {
        "en": "Sorry, I couldn't understand {what}. Could you say it differently?",
        "ar": "عذراً، لم أفهم {what}. هل يمكنك كتابته بطريقة أخرى؟",
    },
    "failed": {
        "en": "Sorry, I couldn't do that: {error}",
        "ar": "عذراً، لم أتمكن من تنفيذ ذلك: {error}",
    },
    "done": {"en": "Done.", "ar": "تم."},
    "due": {"en": "\n📅 Due {value}", "ar": "\n📅 الموعد {value}"},
    "assignee": {"en": "\n👤 {value}", "ar": "\n👤 {value}"},
    "no_tasks": {"en": "No tasks found.", "ar": "لا توجد مهام."},
    "ask_default": {"en": "Could you tell me the {name}?", "ar": "هل يمكنك تحديد {name}؟"},
    "remembered": {"en": "Noted — I'll remember that.", "ar": "حسناً، سأتذكر ذلك."},
    "dont_know": {
        "en": "I don't know — I found nothing about that in the knowledge base.",
        "ar": "لا أعرف — لم أجد شيئاً عن ذلك في قاعدة المعرفة.",
    },
    "dont_know_unlinked": {
        "en": "I don't know — I found nothing about that in the public documents. If you have an account, "
        "link this number with /link CODE (the code is on your account page) to ask about your work.",
        "ar": "لا أعرف — لم أجد شيئاً عن ذلك في المستندات العامة. إن كان لديك حساب فاربط هذا الرقم بإرسال "
        "‎/link ورمز الربط (تجده في صفحة حسابك) لتسأل عن عملك.",
    },
    "summary_intro": {
        "en": "Summary of our earlier conversation: {summary}",
        "ar": "ملخص محادثتنا السابقة: {summary}",
    },
    "tool_result": {
        "en": "Result of {name} (JSON):\n{result}\nAnswer my message from this result only.",
        "ar": "نتيجة {name} (JSON):\n{result}\nأجب عن رسالتي من هذه النتيجة فقط.",
    },
    "source": {"en": "Source", "ar": "المصدر"},
    "followup_ref": {"en": "(task {id})", "ar": "(المهمة {id})"},
    "cancelled": {"en": "Cancelled.", "ar": "تم الإلغاء."},
    "nothing_to_cancel": {"en": "Nothing to cancel.", "ar": "لا يوجد ما يُلغى."},
    "unlinked": {
        "en": "Unlinked: this number no longer acts as your account.",
        "ar": "تم إلغاء ربط هذا الرقم بحسابك.",
    },
    "not_linked": {"en": "This number was not linked.", "ar": "هذا الرقم غير مربوط بأي حساب."},
}

# A "Source: …" line the model wrote itself (it may name a document it was not given): replaced by ours.
_MODEL_SOURCE = re.compile(r"^\W*(?:sources?|المصادر|المصدر|مصدر)\s*[:：].*$", re.IGNORECASE | re.MULTILINE)


def with_sources(answer: str, sources: list[str], lang: str) -> str:
    """The answer, naming the documents it was given (titles from the store, not from the model)."""
    if not sources:
        return answer
    body = _MODEL_SOURCE.sub("", answer).strip()
    return f"{body}\n\n📄 {text('source', lang)}: {', '.join(sources)}"


def text(key: str, lang: str, **values: Any) -> str:
    return phrase(_TEXT, key, lang, **values)


def render_result(spec: ToolSpec, result: ToolResult, args: dict[str, Any], lang: str) -> str:
    if result.reply:
        return result.reply
    if not result.ok:
        if result.error == "not_connected":
            return text("not_connected", lang, summary=summarize_call(spec.name, args))
        return text("failed", lang, error=result.error or "unknown error")
    if isinstance(result.data, list):
        return render_list(result.data, lang)
    values: dict[str, Any] = {**args, **(result.data or {})}
    if values.get("due_date"):
        values["due_line"] = text("due", lang, value=values["due_date"])
    if values.get("assignee"):
        values["assignee_line"] = text("assignee", lang, value=values["assignee"])
    template = spec.reply.get(lang) or spec.reply.get("en")
    return fill(template, values) if template else text("done", lang)


def render_list(items: list[dict[str, Any]], lang: str) -> str:
    if not items:
        return text("no_tasks", lang)
    lines = []
    for item in items[:20]:
        mark = "✅" if item.get("status") == "done" else "▫️"
        due = f" · {item['due_date']}" if item.get("due_date") else ""
        lines.append(f"{mark} #{item.get('id')} {item.get('title', '')}{due}")
    if len(items) > 20:
        lines.append(f"… +{len(items) - 20}")
    return "\n".join(lines)


def summarize_call(name: str, args: dict[str, Any]) -> str:
    inner = ", ".join(f"{k}={v}" for k, v in args.items())
    return f"{name}({inner})"


def clarifying_question(spec: ToolSpec, missing: list[str], lang: str) -> str:
    if missing[0] not in spec.args and spec.needs_one_of is not None:
        ask, names = spec.needs_one_of.ask, spec.needs_one_of.args
    else:
        ask, names = spec.args[missing[0]].ask, [missing[0]]
    named = ", ".join(n.replace("_", " ") for n in names)
    return ask.get(lang) or ask.get("en") or text("ask_default", lang, name=named)
