"""From what the model filled to what the API takes: the normalizer layer, driven by each argument's kind.

The model copies phrases ("بكرة", "٤٢", "Layla"); code resolves dates in the user's time zone, parses
digits, matches names and checks enums. What code does reliably, the model is not asked to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from base.text.dates import dates_denied, resolve_date, resolve_date_in_text
from base.text.folding import fold
from base.text.names import match_name
from base.text.numbers import numbers_said, parse_int, parse_int_list
from base.text.priority import normalize_priority
from tools.spec import MANY_IDS, ArgSpec, ToolSpec

ONE_OF = "|one_of|"  # in PreparedArgs.missing: none of the spec's `needs_one_of` arguments was given


@dataclass
class PreparedArgs:
    args: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # required and absent: ask the user
    unclear: dict[str, str] = field(default_factory=dict)  # given but not understood: name -> the phrase


def prepare_args(
    spec: ToolSpec, raw: dict[str, Any], *, message: str, today: date, people: list[str] | None = None
) -> PreparedArgs:
    out = PreparedArgs()
    for name, arg in spec.args.items():
        value = _normalize(arg, raw.get(name), message=message, today=today, people=people)
        if value is _UNCLEAR:
            out.unclear[name] = str(raw.get(name))
        elif value is not None:
            out.args[name] = value
        elif arg.required:
            out.missing.append(name)
    # Overdue means not done yet: small models add status "done" to "what's overdue?", which no task matches.
    if out.args.get("overdue") is True and out.args.get("status") == "done":
        del out.args["status"]
    # An update that changes nothing would reach the API only to be refused: ask what to change.
    one_of = spec.needs_one_of
    if one_of and not any(n in out.args or n in out.unclear for n in one_of.args):
        out.missing.append(ONE_OF)
    # Several tasks are named by their numbers or picked by a filter ("all my overdue tasks": a boolean
    # argument set); with neither, the user is asked which.
    filtered = any(value is True for value in out.args.values())
    for name, arg in spec.args.items():
        if arg.kind in MANY_IDS and not filtered and name not in (*out.args, *out.unclear, *out.missing):
            out.missing.append(name)
    return out


class _Unclear:
    pass


_UNCLEAR = _Unclear()


def _normalize(arg: ArgSpec, value: Any, *, message: str, today: date, people: list[str] | None) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if value.lower() in ("", "null", "none"):
            value = None
    match arg.kind:
        case "date":
            if value is None:
                if not arg.routed:
                    return None  # only a pack's correction sets it, from the words it reads for it
                # Small models often leave the date out while the message says it: read it in code.
                found = resolve_date_in_text(message, today)
                return found.isoformat() if found else None
            resolved = resolve_date(str(value), today)
            in_text = resolve_date_in_text(message, today)
            # "بعد بكرة" copied as "بكرة": the message's one date phrase, read whole, wins over a
            # piece of it.
            if resolved is None or (in_text and in_text != resolved and fold(str(value)) in fold(message)):
                resolved = in_text
            elif in_text and not _has_digit(value) and fold(str(value)) not in fold(message):
                # "الخميس بدل الأحد" routed as "Monday": a date word the message never says is the
                # model's own; the one date the message says wins.
                resolved = in_text
            elif resolved in dates_denied(message, today):
                # "قصدي السبت مو بكرة" with tomorrow's date: the one the message says it means, else ask.
                resolved = in_text
            return resolved.isoformat() if resolved else _UNCLEAR
        case "id" | "task_id":
            return _one_id(value, message)
        case "ids" | "task_ids":
            return _many_ids(value, message)
        case "person":
            if value is None:
                return None
            if people:
                return match_name(str(value), people) or str(value)
            return str(value)
        case "priority":
            return normalize_priority(value) if value is not None else None
        case "enum" | "scope" | "status":
            if value is None:
                return None
            lowered = str(value).lower()
            return lowered if not arg.enum or lowered in arg.enum else None
        case "boolean":
            if isinstance(value, bool) or value is None:
                return value or None
            return str(value).lower() in ("true", "yes", "1")
        case _:
            return str(value) if value is not None else None


def _one_id(value: Any, message: str) -> Any:
    """Ids come from the user's words: a number the message does not contain was invented (small models
    copy ids from their examples or slip a digit), so the message's own number wins. Only numbers
    standing alone count: "Q4 budget" names no task 4, "5alast" no task 5; a number inside the title
    phrase the model gave ("the dental chair in room 3") is the title's, and the title names the task."""
    numbers = set(numbers_said(message))
    if isinstance(value, str) and numbers & set(numbers_said(value)) and _titled(value):
        return None  # "the dental chair in room 3": a title (its number is the title's) names the task
    given = parse_int(value) if value is not None else None
    if given is not None and given in numbers:
        return given
    if len(numbers) == 1:
        return next(iter(numbers))
    if not numbers or given is None:
        return None  # missing: the user is asked which task
    return _UNCLEAR  # several numbers in the message, and the model's is none of them


def _titled(phrase: str) -> bool:
    """A phrase with words besides its number and one noun ("the dental chair in room 3", not "task 7",
    "#7" or "المهمة ٧"): a title, whose number is its own."""
    return len(_NUMBER_SIGNS.sub(" ", phrase).split()) > 1


_NUMBER_SIGNS = re.compile(r"[#0-9\u0660-\u0669]+")


def _many_ids(value: Any, message: str) -> Any:
    """Several ids, each of which must be in the user's words (an id the message lacks was invented).
    Nothing is read from the message when the model gave no number: "close my 3 overdue tasks" has a
    count, not an id."""
    given = parse_int_list(value)
    if given is None:
        return None
    numbers = set(numbers_said(message))
    return given if all(n in numbers for n in given) else _UNCLEAR


def _has_digit(value: Any) -> bool:
    return any(c.isdigit() for c in str(value))
