"""Replies composed in code: tool results through their templates, clarifying questions, refusals.

A simple result needs no second model call: the spec's template in the user's language says it. Every
text is the catalog's (base/locales, docs/catalog.md); `text(key, lang)` reads the `reply.*` ones.
"""

from __future__ import annotations

import re
from typing import Any

from base.catalog import has, t, text_of, tn
from tools.base import ToolResult
from tools.spec import MANY_IDS, ONE_ID, SpecText, ToolSpec

_SHOWN = 20  # items listed one per line; the rest are counted

# A "Source: …" line the model wrote itself (it may name a document it was not given): replaced by ours.
# The words are the labels models write in either language (data to match, not a text anyone reads).
_MODEL_SOURCE = re.compile(r"^\W*(?:sources?|المصادر|المصدر|مصدر)\s*[:：].*$", re.IGNORECASE | re.MULTILINE)


def with_sources(answer: str, sources: list[str], lang: str) -> str:
    """The answer, naming the documents it was given (titles from the store, not from the model)."""
    if not sources:
        return answer
    body = _MODEL_SOURCE.sub("", answer).strip()
    return f"{body}\n\n📄 {text('source', lang)}: {t('list.separator', lang).join(sources)}"


def without_sources(reply: str) -> str:
    """The answer without the line `with_sources` added: document titles are not the model's words (a
    FAQ entry titled "I marked a task done by mistake" is not a claim that something was done)."""
    return reply.split("\n\n📄 ", 1)[0]


def text(key: str, lang: str, /, **values: Any) -> str:
    """The catalog's `reply.<key>` in `lang` (`model.<key>` for the texts given to the model)."""
    return t(key if "." in key else f"reply.{key}", lang, **values)


def value(raw: Any, lang: str) -> Any:
    """An API value a reply shows (a status, a priority) in the user's language, when the catalog has it."""
    return t(f"value.{raw}", lang) if isinstance(raw, str) and has(f"value.{raw}") else raw


def render_result(spec: ToolSpec, result: ToolResult, args: dict[str, Any], lang: str) -> str:
    if result.reply:
        return result.reply
    if not result.ok:
        if result.error == "not_connected":
            return text("not_connected", lang, summary=summarize_call(spec.name, args, lang))
        return text("failed", lang, error=result.error or t("error.unknown", lang))
    if isinstance(result.data, list):
        return render_list(result.data, lang, empty=spec.empty, line=spec.line)
    values: dict[str, Any] = {**args, **(result.data or {})}
    values.update(_details(values, lang))  # before the status is said in the user's language
    for name in ("status", "priority"):
        if values.get(name) is not None:
            values[name] = value(values[name], lang)
    if values.get("due_date"):
        # The record's own "overdue" (due before today in the user's time zone, not done) is said with
        # its date: "is 1228 late?" is answered by the view, not left to reading the date.
        late = values.get("overdue") is True
        values["due_line"] = text("due_overdue" if late else "due", lang, value=values["due_date"])
    if values.get("assignee"):
        values["assignee_line"] = text("assignee", lang, value=values["assignee"])
    values["changes"] = changes(spec, args, lang)
    return text_of(spec.reply, lang, **values) or text("done", lang)


_NOTES_SHOWN = 3  # the latest notes a detail view shows


def _details(values: dict[str, Any], lang: str) -> dict[str, str]:
    """The lines of a detail view beyond status, due date and assignee, from what the API returned: who
    created it, when it was completed, its latest notes ("who created the boxes task?", "what did Sara
    write on it?" are answered by what the view shows)."""
    out: dict[str, str] = {}
    creator = values.get("creator")
    if isinstance(creator, dict) and (name := creator.get("display_name") or creator.get("username")):
        out["creator_line"] = text("created_by", lang, value=name)
    if values.get("status") == "done" and values.get("completed_at"):
        out["completed_line"] = text("completed_on", lang, value=str(values["completed_at"])[:10])
    notes = values.get("comments")
    if isinstance(notes, list):
        out["note_lines"] = "".join(
            text("note_line", lang, author=_author(note), text=note.get("text", ""))
            for note in notes[-_NOTES_SHOWN:]
            if isinstance(note, dict)
        )
    return out


def _author(note: dict[str, Any]) -> str:
    author = note.get("author")
    return str(author.get("display_name") or author.get("username")) if isinstance(author, dict) else ""


def changes(spec: ToolSpec, args: dict[str, Any], lang: str) -> str:
    """What a call set, as the reply says it: "priority: high, due date: 2026-12-10" (the id arguments
    aside; field names from the catalog's `field.<name>` where it has them)."""
    shown = []
    for name, given in args.items():
        arg = spec.args.get(name)
        if arg is None or arg.kind in ONE_ID or arg.kind in MANY_IDS or given in (None, "", False):
            continue
        label = t(f"field.{name}", lang) if has(f"field.{name}") else name.replace("_", " ")
        shown.append(f"{label}: {value(given, lang)}")
    return t("list.separator", lang).join(shown)


def render_list(items: list[dict[str, Any]], lang: str, *, empty: SpecText = "", line: SpecText = "") -> str:
    """One line per item: the spec's `line` template, else "▫️ #3 Prepare Q3 report · 2026-12-01";
    `empty` is the spec's text for none."""
    if not items:
        return text_of(empty, lang) or text("no_items", lang)
    lines = []
    for item in items[:_SHOWN]:
        if line:
            lines.append(text_of(line, lang, **{k: value(v, lang) for k, v in item.items()}) or "")
            continue
        mark = "✅" if item.get("status") == "done" else "▫️"
        due = f" · {item['due_date']}" if item.get("due_date") else ""
        lines.append(f"{mark} #{item.get('id')} {item.get('title', '')}{due}")
    if len(items) > _SHOWN:
        lines.append(tn("reply.list_more", len(items) - _SHOWN, lang))
    return "\n".join(lines)


def summarize_call(name: str, args: dict[str, Any], lang: str) -> str:
    """What a call would have done: `complete_task(task_id=3)` in English; in another language the
    tool's title and the values (in that language where the catalog has them)."""
    title = f"tool.{name}.title"
    shown = [value(v, lang) for v in args.values() if v is not None and not isinstance(v, bool)]
    return t(
        "reply.call_summary",
        lang,
        tool=name,
        args=", ".join(f"{k}={v}" for k, v in args.items()),
        name=t(title, lang) if has(title) else name,
        values=t("list.separator", lang).join(str(v) for v in shown),
    )


def clarifying_question(spec: ToolSpec, missing: list[str], lang: str) -> str:
    if missing[0] not in spec.args and spec.needs_one_of is not None:
        ask, names = spec.needs_one_of.ask, spec.needs_one_of.args
    else:
        ask, names = spec.args[missing[0]].ask, [missing[0]]
    named = ", ".join(n.replace("_", " ") for n in names)
    return text_of(ask, lang) or text("ask_default", lang, name=named)
