"""How a confirmation is asked: what will happen, in the user's language, above Confirm / Cancel buttons.

The user must see exactly what a tap will do — the task's number and title, who holds it now, which
tasks a bulk change covers — never the call's internals.
"""

from __future__ import annotations

from typing import Any

from hudhud.turn import Button, ButtonsPart
from hudhud.wording import fill, phrase, shorten
from tools.base import ToolCall
from tools.confirm import CANCEL, CONFIRM
from tools.spec import ToolSpec

_TEXT: dict[str, dict[str, str]] = {
    "reassign": {
        "en": "Task #{id} *{title}* is assigned to {holder}. Reassign it to {assignee}?",
        "ar": "المهمة #{id} *{title}* مسندة إلى {holder}. هل أسندها إلى {assignee}؟",
    },
    "bulk_overdue": {
        "en": "Mark your {count} overdue tasks done?",
        "ar": "هل أنجز مهامك المتأخرة ({count})؟",
    },
    "bulk_overdue_one": {"en": "Mark your overdue task done?", "ar": "هل أنجز مهمتك المتأخرة؟"},
    "bulk": {"en": "Mark {count} tasks done?", "ar": "هل أنجز هذه المهام ({count})؟"},
    "generic": {"en": "Please confirm: {what}", "ar": "هل تؤكد: {what}؟"},
    "confirm": {"en": "Confirm", "ar": "تأكيد"},
    "cancel": {"en": "Cancel", "ar": "إلغاء"},
}

_MAX_TEXT = 1024  # WhatsApp's limit for the body of a buttons message


def wording(key: str, lang: str, **values: Any) -> str:
    return phrase(_TEXT, key, lang, **values)


def confirm_text(spec: ToolSpec, call: ToolCall, task: dict[str, Any] | None) -> str:
    """The spec's `confirm_text` filled from the call's arguments and the task it acts on; without
    one, the action and its arguments in plain words."""
    template = spec.confirm_text.get(call.lang) or spec.confirm_text.get("en")
    if template:
        return fill(template, {**call.args, **(task or {})})
    what = f"{spec.description.rstrip('.')} ({', '.join(f'{k}: {v}' for k, v in call.args.items())})"
    return wording("generic", call.lang, what=what)


def confirmation_buttons(text: str, token: str, lang: str) -> ButtonsPart:
    """Confirm / Cancel buttons, in the user's language, under `text`."""
    return ButtonsPart(
        text=shorten(text, _MAX_TEXT),
        buttons=[
            Button(id=f"{CONFIRM}{token}", title=wording("confirm", lang)),
            Button(id=f"{CANCEL}{token}", title=wording("cancel", lang)),
        ],
    )
