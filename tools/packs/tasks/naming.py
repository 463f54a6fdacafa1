"""Tasks named by their title ("mark the slides one done", "خلصت حق العقد"): the words of this pack
that name no task, and which tasks a user can see (tools/naming.py does the matching)."""

from __future__ import annotations

from typing import Any

from tools.naming import Naming
from tools.packs.tasks.cues import NAMING_WORDS, names_no_task

_LISTED = 200  # the core API's largest page: a title is looked for among this many tasks at most


def _visible(role: str | None) -> list[dict[str, Any]]:
    """What "the tasks the user can see" is in the core API: an admin may list every task (scope all);
    anyone else sees their own and their team's (scope team) — and one in no team, only their own
    (scope mine, tried when the API refuses team). Not `mine` alone: "delete the supplier contract
    task" may name a teammate's task that the user may act on."""
    if role == "admin":
        return [{"scope": "all", "limit": _LISTED}]
    return [{"scope": "team", "limit": _LISTED}, {"scope": "mine", "limit": _LISTED}]


NAMING = Naming(
    kind="task_id", words=NAMING_WORDS, operation="list_tasks", listings=_visible, ignore=names_no_task
)
