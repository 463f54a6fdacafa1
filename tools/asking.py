"""How a confirmation is asked: what will happen, in the user's language, above Confirm / Cancel buttons.

The user must see exactly what a tap will do — the task's number and title, who holds it now, which
tasks a bulk change covers — never the call's internals. Every text comes from the catalog
(base/locales: confirm.*, and the spec's `confirm_text` key).
"""

from __future__ import annotations

from typing import Any

from base.catalog import has, resolve, t, text_of
from base.turn import Button, ButtonsPart
from base.wording import shorten
from tools.base import ToolCall
from tools.confirm import CANCEL, CONFIRM
from tools.spec import ToolSpec

_MAX_TEXT = 1024  # WhatsApp's limit for the body of a buttons message


def confirm_text(spec: ToolSpec, call: ToolCall, task: dict[str, Any] | None) -> str:
    """The spec's `confirm_text` filled from the call's arguments and the task it acts on; without
    one, the action and its arguments in plain words."""
    asked = text_of(spec.confirm_text, call.lang, **{**call.args, **(task or {})})
    if asked:
        return asked
    title = f"tool.{spec.name}.title"
    if has(title):
        action = t(title, call.lang)
    else:  # a plug-in tool the catalog does not name: its description is English, so only in English
        action = spec.description.rstrip(".") if resolve(call.lang) == "en" else spec.name
    shown = t("list.separator", call.lang).join(f"{v}" for v in call.args.values() if v not in (None, ""))
    return t("confirm.generic", call.lang, what=f"{action} ({shown})" if shown else action)


def confirmation_buttons(text: str, token: str, lang: str) -> ButtonsPart:
    """Confirm / Cancel buttons, in the user's language, under `text`."""
    return ButtonsPart(
        text=shorten(text, _MAX_TEXT),
        buttons=[
            Button(id=f"{CONFIRM}{token}", title=t("confirm.button_confirm", lang)),
            Button(id=f"{CANCEL}{token}", title=t("confirm.button_cancel", lang)),
        ],
    )
