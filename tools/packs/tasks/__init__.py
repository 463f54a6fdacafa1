"""The task domain: create, list, show, complete, reopen, update, assign, delete and comment on tasks
in the organization's core API, and report on them. Its specs are tools.yaml; its texts are catalog
keys (base/locales)."""

from __future__ import annotations

from pathlib import Path

from tools.pack import DomainPack
from tools.packs.tasks import commands
from tools.packs.tasks.corrections import CORRECTIONS
from tools.packs.tasks.cues import (
    SAYS,
    asks_to_see_a_task,
    names_task_number,
    person_target,
    unknown_to_the_record,
)
from tools.packs.tasks.naming import NAMING
from tools.packs.tasks.report import render_summary

PACK = DomainPack(
    name="tasks",
    specs=Path(__file__).with_name("tools.yaml"),
    corrections=CORRECTIONS,
    names_object=names_task_number,
    naming=NAMING,
    says=SAYS,
    shows={"get_task": asks_to_see_a_task},
    beyond={"get_task": unknown_to_the_record},
    person=person_target,
    renders={"summary_report": render_summary},
    commands=commands.register,
)
