"""Eval suites: the YAML format (docs/evals.md), validated with errors that name the file, the case and
the field, e.g. `tasks-basic.yaml: case create-task-ar: turns[0].expect.tool_calls[0].name: unknown tool
'crate_task'`.

A suite is either a YAML file of cases run through the real pipeline, or a directory of raw WhatsApp
webhook bodies replayed against a running service (`ReplaySuite`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from base.yamlfile import load_fast
from evals.matchers import matcher_error

Profile = Literal["exec", "query", "default"]
Lang = Literal["ar", "en"]
LANG_TAGS = ("ar", "en")
# Held-out discipline (docs/evals.md, "Dev and test splits"): prompts, rules and examples are tuned on
# `dev`; `test` is run only to report. Test suites live in a `test/` directory and say `split: test`.
Split = Literal["dev", "test"]
SPLITS: tuple[Split, ...] = ("dev", "test")
TEST_DIR = "test"

# Field names of a task as fixtures and expect_state write them (the API's names accepted as aliases).
TASK_FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "assignee",
    "created_by",
    "due",
    "comments",
)
TASK_ALIASES = {"due_date": "due"}
ARG_ALIASES = {"due": "due_date"}  # tool arguments: the suite's short name -> the tool's


class RoutingSuiteFound(ValueError):
    """The file is a routing suite (`hudhud eval routing`), not a suite of cases."""


class SuiteError(ValueError):
    """An invalid suite; `errors` has one line per problem, `str()` all of them."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserFixture(_Strict):
    username: str = Field(min_length=1, max_length=64)
    name: str | None = None
    role: Literal["member", "manager", "admin"] = "member"
    team: str | None = None
    lang: Lang = "ar"
    timezone: str | None = None  # default: the suite's

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return _known_zone(value) if value is not None else None


class TaskFixture(_Strict):
    id: int | None = Field(None, ge=1)  # None: numbered after the highest fixed id
    title: str = Field(min_length=1)
    description: str = ""
    status: Literal["open", "in_progress", "done"] = "open"
    priority: Literal["low", "normal", "high"] = "normal"
    assignee: str | None = None
    created_by: str
    due: date | None = None
    comments: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        return _rename(data, TASK_ALIASES)


class Fixtures(_Strict):
    users: list[UserFixture] = Field(default_factory=list)
    tasks: list[TaskFixture] = Field(default_factory=list)


class CaseUser(_Strict):
    wa_id: str = Field(pattern=r"^\d{6,20}$")
    linked_as: str | None = None  # None: an unlinked number
    role: Literal["member", "manager", "admin"] | None = None  # default: the linked user's role
    lang: Literal["ar", "en", "ar-latn"] | None = None  # the language the user writes (remembered)
    name: str | None = None  # WhatsApp profile name
    blocked: bool = False  # an administrator blocked the number (`hudhud links block`): it runs nothing

    @model_validator(mode="before")
    @classmethod
    def _wa_id_text(cls, data: Any) -> Any:
        # YAML reads an unquoted number as an int; a wa_id is text.
        if isinstance(data, dict) and isinstance(data.get("wa_id"), int):
            data = {**data, "wa_id": str(data["wa_id"])}
        return data


class ToolCallExpect(_Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("args"), dict):
            data = {**data, "args": _rename(data["args"], ARG_ALIASES)}
        return data


class ReplyExpect(_Strict):
    language: Lang | None = None
    contains_any: list[str] = Field(default_factory=list)
    contains_all: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    regex: str | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from None
        return value

    @field_validator("contains_any", "contains_all", "not_contains", mode="before")
    @classmethod
    def _one_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class TurnExpect(_Strict):
    tool_calls: list[ToolCallExpect] | None = None  # [] = no tool may run; None = not checked
    reply: ReplyExpect | None = None
    confirm: bool | None = None  # True: the reply asks for confirmation (buttons); False: it must not


class TurnSpec(_Strict):
    user: str | None = None
    press: Literal["confirm", "cancel"] | None = None
    expect: TurnExpect = Field(default_factory=TurnExpect)

    @model_validator(mode="after")
    def _one_kind(self) -> TurnSpec:
        if (self.user is None) == (self.press is None):
            raise ValueError("a turn has either `user:` (a message) or `press: confirm|cancel`")
        if self.user is not None and not self.user.strip():
            raise ValueError("`user:` is empty")
        return self


class ExpectState(_Strict):
    tasks: list[dict[str, Any]] = Field(default_factory=list)
    absent: list[dict[str, Any]] = Field(default_factory=list)
    unchanged: bool = False

    @field_validator("tasks", "absent", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        return [_rename(v, TASK_ALIASES) for v in value] if isinstance(value, list) else value


class Rubric(_Strict):
    """What the LLM judge grades a case on (evals/scorers/judge.py): the criteria in words, a scale of
    1..`scale`, and the grade a case needs to pass. A case's rubric replaces its suite's."""

    criteria: str | list[str] = Field(min_length=1)
    scale: int = Field(5, ge=2, le=10)
    threshold: int = Field(4, ge=1)

    @model_validator(mode="after")
    def _within_scale(self) -> Rubric:
        if self.threshold > self.scale:
            raise ValueError(f"threshold {self.threshold} is above the scale (1-{self.scale})")
        return self

    @property
    def text(self) -> str:
        items = [self.criteria] if isinstance(self.criteria, str) else self.criteria
        return "\n".join(f"- {c.strip()}" for c in items)


class Case(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)
    description: str | None = None
    split: Split | None = None  # default (and the only value allowed): the suite's
    tags: list[str] = Field(default_factory=list)
    profile: Profile | None = None  # default: the suite's
    user: CaseUser
    fixtures: Fixtures = Field(default_factory=Fixtures)
    memories: list[str] = Field(default_factory=list)
    turns: list[TurnSpec] = Field(min_length=1)
    expect_state: ExpectState | None = None
    reference_answer: str | None = None
    rubric: Rubric | None = None  # the judge's criteria for this case; default: the suite's
    # Budgets (the `budget` scorer, part of command success); default: the suite's.
    max_cost: float | None = Field(None, ge=0)  # the case's tokens priced (HUDHUD_EVAL_PRICES)
    max_latency_ms: float | None = Field(None, gt=0)  # each turn, webhook accepted -> reply sent

    @property
    def lang(self) -> str:
        return next((t for t in self.tags if t in LANG_TAGS), "")


class Suite(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str | None = None
    split: Split = "dev"
    clock: datetime
    timezone: str = "Asia/Riyadh"
    profile: Profile = "exec"
    temperature: float = Field(0.0, ge=0, le=2)
    similarity_threshold: float = Field(0.8, ge=0, le=1)  # reference answers: cosine needed to pass
    max_cost: float | None = Field(None, ge=0)  # the budgets of each case (a case may set its own)
    max_latency_ms: float | None = Field(None, gt=0)
    rubric: Rubric | None = None  # the judge's criteria for every case (a case may set its own)
    fixtures: Fixtures = Field(default_factory=Fixtures)
    # Documents added to the knowledge base for this suite's cases only (paths relative to the suite
    # file): e.g. documents that carry instructions to the assistant. Kept in the suite's own data
    # directory, so no other suite retrieves them.
    knowledge: list[str] = Field(default_factory=list)
    cases: list[Case] = Field(min_length=1)
    path: Path | None = Field(None, exclude=True)

    def knowledge_paths(self) -> list[Path]:
        base = self.path.parent if self.path is not None else Path()
        return [(base / k).resolve() for k in self.knowledge]

    @field_validator("clock")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError('must have a UTC offset, e.g. "2026-11-25T09:00:00+03:00"')
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _known_zone(value)

    def profile_of(self, case: Case) -> str:
        return case.profile or self.profile

    def split_of(self, case: Case) -> Split:
        return case.split or self.split

    def fixtures_of(self, case: Case) -> Fixtures:
        """Suite fixtures with the case's on top (a case user replaces a suite user of that name), and
        every task numbered: fixed ids kept, the others after the highest."""
        users = {u.username.lower(): u for u in self.fixtures.users}
        users.update({u.username.lower(): u for u in case.fixtures.users})
        tasks = [*self.fixtures.tasks, *case.fixtures.tasks]
        next_id = max((t.id or 0 for t in tasks), default=0) + 1
        numbered = []
        for task in tasks:
            if task.id is None:
                task = task.model_copy(update={"id": next_id})
                next_id += 1
            numbered.append(task)
        return Fixtures(users=list(users.values()), tasks=numbered)

    def max_cost_of(self, case: Case) -> float | None:
        return case.max_cost if case.max_cost is not None else self.max_cost

    def rubric_of(self, case: Case) -> Rubric | None:
        return case.rubric or self.rubric

    def max_latency_of(self, case: Case) -> float | None:
        return case.max_latency_ms if case.max_latency_ms is not None else self.max_latency_ms

    def timezone_of(self, user: UserFixture) -> str:
        return user.timezone or self.timezone


class ReplayBody(BaseModel):
    name: str  # the file name
    body: dict[str, Any]
    replies: int  # expected number of outbound messages
    status: int = 200


class ReplaySuite(BaseModel):
    """A directory of raw webhook bodies (*.json), posted signed to a running service. `expect.yaml`
    maps file names to the expected reply count (`text.json: 1`) or `{replies: 1, status: 200}`; a file
    not listed expects one reply when it carries messages, none otherwise."""

    name: str
    path: Path
    bodies: list[ReplayBody]
    split: Split = "dev"  # replayed bodies are never held out


# ---------------------------------------------------------------------------------------------- loading


def load_suite(path: Path | str, *, tools: set[str] | None = None) -> Suite | ReplaySuite:
    """Load and validate one suite; raises SuiteError naming the file, the case and the field."""
    path = Path(path)
    if path.is_dir():
        return load_replay(path)
    label = f"{TEST_DIR}/{path.name}" if path.parent.name == TEST_DIR else path.name
    try:
        data = load_fast(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError([f"{label}: cannot read: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise SuiteError([f"{label}: not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise SuiteError([f"{label}: a suite is a mapping with `name`, `clock` and `cases`"])
    if is_routing_suite(data):
        raise RoutingSuiteFound(f"{label}: a routing suite: run it with `hudhud eval routing --suite {path}`")
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise SuiteError([_pydantic_error(label, data, e) for e in exc.errors()]) from None
    suite.path = path
    errors = check_suite(suite, label, tools=tools)
    if errors:
        raise SuiteError(errors)
    return suite


def is_routing_suite(data: dict[str, Any]) -> bool:
    return "today" in data and "clock" not in data


def load_replay(path: Path) -> ReplaySuite:
    bodies_files = sorted(path.glob("*.json"))
    if not bodies_files:
        raise SuiteError([f"{path.name}: no *.json webhook bodies in this directory"])
    expected: dict[str, Any] = {}
    expect_file = path / "expect.yaml"
    if expect_file.exists():
        try:
            expected = yaml.safe_load(expect_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SuiteError([f"{path.name}/expect.yaml: not valid YAML: {exc}"]) from None
        if not isinstance(expected, dict):
            raise SuiteError([f"{path.name}/expect.yaml: a mapping of file name -> reply count"])
    errors: list[str] = []
    names = {f.name for f in bodies_files}
    errors.extend(f"{path.name}/expect.yaml: {k}: no such body file" for k in expected if k not in names)
    bodies: list[ReplayBody] = []
    for file in bodies_files:
        try:
            body = orjson.loads(file.read_bytes())
        except orjson.JSONDecodeError as exc:
            errors.append(f"{path.name}/{file.name}: not valid JSON: {exc}")
            continue
        if not isinstance(body, dict) or "entry" not in body:
            errors.append(f"{path.name}/{file.name}: not a WhatsApp webhook body (no `entry`)")
            continue
        spec = expected.get(file.name)
        if spec is None:
            spec = {"replies": 1 if _messages_of(body) else 0}
        elif isinstance(spec, int):
            spec = {"replies": spec}
        try:
            bodies.append(ReplayBody(name=file.name, body=body, **spec))
        except (ValidationError, TypeError) as exc:
            errors.append(
                f"{path.name}/expect.yaml: {file.name}: expected `N` or {{replies: N, status: S}}: {exc}"
            )
    if errors:
        raise SuiteError(errors)
    return ReplaySuite(name=path.name, path=path, bodies=bodies)


def load_suites(
    paths: list[Path], *, tools: set[str] | None = None, skipped: list[str] | None = None
) -> list[Suite | ReplaySuite]:
    """Every suite, all errors of all files at once; suite names must be unique. Routing suites (a glob
    over evals/suites/ finds routing.yaml) are skipped, with a note in `skipped`."""
    errors: list[str] = []
    suites: list[Suite | ReplaySuite] = []
    for path in paths:
        try:
            suites.append(load_suite(path, tools=tools))
        except RoutingSuiteFound as exc:
            if skipped is not None:
                skipped.append(str(exc))
        except SuiteError as exc:
            errors.extend(exc.errors)
    seen: set[str] = set()
    for suite in suites:
        if suite.name in seen:
            errors.append(f"{suite.path}: suite name {suite.name!r} is used twice")
        seen.add(suite.name)
    if not suites and not errors:
        errors.append("no suite to run")
    if errors:
        raise SuiteError(errors)
    return suites


# ---------------------------------------------------------------------------------------------- checks


def check_suite(suite: Suite, file: str, *, tools: set[str] | None = None) -> list[str]:
    """What pydantic cannot see: ids unique, people exist, tools and their arguments exist, matchers
    are well formed, each case has a language tag."""
    specs = _tool_args(tools)
    errors: list[str] = []
    if suite.path is not None and suite.path.suffix in (".yaml", ".yml") and suite.path.stem != suite.name:
        errors.append(f"{file}: name: {suite.name!r} must match the file name ({suite.path.stem!r})")
    errors.extend(_check_split(suite, file))
    errors.extend(f"{file}: knowledge: {p} does not exist" for p in suite.knowledge_paths() if not p.exists())
    seen: set[str] = set()
    for case in suite.cases:
        where = f"{file}: case {case.id}"
        if case.id in seen:
            errors.append(f"{where}: id: used twice in this suite")
        seen.add(case.id)
        errors.extend(f"{where}: {e}" for e in _check_case(suite, case, specs))
    return errors


def _check_split(suite: Suite, file: str) -> list[str]:
    """Test suites live in a `test/` directory and a file there is a test suite; a case keeps its
    suite's split (a held-out case cannot be moved to dev, nor a dev case declared held out)."""
    errors: list[str] = []
    if suite.path is not None:
        under_test = suite.path.parent.name == TEST_DIR
        if under_test and suite.split != "test":
            errors.append(f"{file}: split: a suite under {TEST_DIR}/ is held out: it needs `split: test`")
        elif suite.split == "test" and not under_test:
            errors.append(
                f"{file}: split: a test suite belongs in a {TEST_DIR}/ directory (evals/suites/test/)"
            )
    for case in suite.cases:
        if case.split is not None and case.split != suite.split:
            why = (
                "a held-out case cannot be moved to dev"
                if suite.split == "test"
                else "held-out cases go in a test suite (evals/suites/test/)"
            )
            errors.append(f"{file}: case {case.id}: split: {case.split!r} differs from the suite's ({why})")
    return errors


def _check_case(suite: Suite, case: Case, specs: dict[str, set[str]]) -> list[str]:
    errors: list[str] = []
    if not case.lang:
        errors.append("tags: needs a language tag: ar or en")
    fixtures = suite.fixtures_of(case)
    people = {u.username.lower() for u in fixtures.users}
    if case.user.linked_as is not None and case.user.linked_as.lower() not in people:
        errors.append(f"user.linked_as: no user {case.user.linked_as!r} in the fixtures")
    ids: set[int] = set()
    for i, task in enumerate(fixtures.tasks):
        if task.id in ids:
            errors.append(f"fixtures.tasks[{i}].id: task {task.id} is defined twice")
        ids.add(task.id or 0)
        for field in ("assignee", "created_by"):
            who = getattr(task, field)
            if who is not None and who.lower() not in people:
                errors.append(f"fixtures.tasks[{i}].{field}: no user {who!r} in the fixtures")
    for t, turn in enumerate(case.turns):
        for c, call in enumerate(turn.expect.tool_calls or []):
            at = f"turns[{t}].expect.tool_calls[{c}]"
            if call.name not in specs:
                errors.append(f"{at}.name: unknown tool {call.name!r}")
                continue
            for arg, value in call.args.items():
                if arg not in specs[call.name]:
                    known = ", ".join(sorted(specs[call.name]))
                    errors.append(f"{at}.args.{arg}: {call.name} has no argument {arg!r} (it has: {known})")
                elif (problem := matcher_error(value)) is not None:
                    errors.append(f"{at}.args.{arg}: {problem}")
    if case.expect_state is not None:
        for key in ("tasks", "absent"):
            for i, wanted in enumerate(getattr(case.expect_state, key)):
                at = f"expect_state.{key}[{i}]"
                if not isinstance(wanted, dict) or not wanted:
                    errors.append(f"{at}: a mapping of task fields to values or matchers")
                    continue
                for name, value in wanted.items():
                    if name not in TASK_FIELDS:
                        errors.append(f"{at}.{name}: unknown task field (known: {', '.join(TASK_FIELDS)})")
                    elif (problem := matcher_error(value)) is not None:
                        errors.append(f"{at}.{name}: {problem}")
    return errors


def _tool_args(tools: set[str] | None) -> dict[str, set[str]]:
    """Tool name -> its argument names, from the registry (the same specs the agent uses)."""
    from tools.registry import ToolRegistry

    registry = ToolRegistry.shipped()
    names = tools if tools is not None else set(registry.names())
    found: dict[str, set[str]] = {}
    for name in names:
        spec = registry.get(name)
        found[name] = set(spec.args) if spec is not None else set()
    return found


# ---------------------------------------------------------------------------------------------- helpers


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _rename(data: Any, aliases: dict[str, str]) -> Any:
    if not isinstance(data, dict):
        return data
    return {aliases.get(k, k) if aliases.get(k, k) not in data else k: v for k, v in data.items()}


def _pydantic_error(file: str, data: dict[str, Any], err: Any) -> str:
    loc = list(err["loc"])
    prefix = file
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        cases = data.get("cases") or []
        raw = cases[loc[1]] if loc[1] < len(cases) else None
        case_id = raw.get("id") if isinstance(raw, dict) and raw.get("id") else f"#{loc[1]}"
        prefix = f"{file}: case {case_id}"
        loc = loc[2:]
    message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
    message = message.removeprefix("Value error, ")
    where = format_loc(loc)
    return f"{prefix}: {where}: {message}" if where else f"{prefix}: {message}"


def format_loc(loc: list[Any]) -> str:
    """('turns', 0, 'expect', 'tool_calls', 0, 'name') -> 'turns[0].expect.tool_calls[0].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "[" in str(part) or "-" in str(part) or "function-" in str(part):
            continue  # pydantic's names for union members and validators say nothing to a suite author
        else:
            out += f".{part}" if out else str(part)
    return out


def _messages_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            found.extend((change.get("value") or {}).get("messages") or [])
    return found
