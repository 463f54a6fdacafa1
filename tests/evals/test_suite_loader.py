"""Suite loading: the format, and errors that name the file, the case and the field."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from evals.suite import (
    ReplaySuite,
    RoutingSuiteFound,
    Suite,
    SuiteError,
    format_loc,
    load_suite,
    load_suites,
)

SUITES = Path(__file__).parents[2] / "evals" / "suites"

HEAD = """\
name: {name}
clock: "2026-11-25T09:00:00+03:00"
fixtures:
  users:
    - {{username: sara, name: Sara Ali, role: member, team: ops, lang: ar}}
    - {{username: omar, name: Omar Hassan, role: manager, lang: en}}
cases:
"""

GOOD_CASE = """\
  - id: create-task-ar
    tags: [create, ar]
    user: {wa_id: "966500000001", linked_as: sara, lang: ar}
    fixtures:
      tasks:
        - {id: 7, title: Review contract, assignee: sara, created_by: omar, due: "2026-11-27",
           comments: [first]}
        - {title: No id, created_by: omar}
    memories: ["I prefer short answers"]
    turns:
      - user: "أضف مهمة مراجعة العقد يوم الخميس"
        expect:
          tool_calls: [{name: create_task, args: {title: {contains: "العقد"}, due: "2026-11-26"}}]
          reply: {language: ar, contains_any: "تم", not_contains: [error]}
          confirm: false
      - press: confirm
    expect_state:
      tasks: [{title: {contains: "العقد"}, status: open, assignee: sara, due_date: "2026-11-26"}]
      absent: [{id: 7}]
"""


def write(tmp_path: Path, cases: str, name: str = "tasks-basic", head: str = HEAD) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(head.format(name=name) + cases, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    return caught.value.errors


def test_a_valid_suite_loads_with_aliases_and_defaults(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD_CASE))
    assert isinstance(suite, Suite) and suite.profile == "exec" and suite.temperature == 0
    case = suite.cases[0]
    assert case.lang == "ar" and suite.profile_of(case) == "exec"
    call = case.turns[0].expect.tool_calls[0]  # type: ignore[index]
    assert call.args == {"title": {"contains": "العقد"}, "due_date": "2026-11-26"}  # due → due_date
    assert case.turns[0].expect.reply.contains_any == ["تم"]  # type: ignore[union-attr]
    assert case.expect_state.tasks[0]["due"] == "2026-11-26"  # type: ignore[union-attr]
    fixtures = suite.fixtures_of(case)
    assert [t.id for t in fixtures.tasks] == [7, 8]  # unnumbered tasks follow the highest id
    assert {u.username for u in fixtures.users} == {"sara", "omar"}
    assert suite.timezone_of(fixtures.users[0]) == "Asia/Riyadh"


def test_unknown_tool_names_file_case_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CASE.replace("name: create_task", "name: crate_task"))
    assert errors_of(path) == [
        "tasks-basic.yaml: case create-task-ar: turns[0].expect.tool_calls[0].name: unknown tool 'crate_task'"
    ]


def test_unknown_argument_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CASE.replace('due: "2026-11-26"}}]', 'when: "2026-11-26"}}]'))
    (error,) = errors_of(path)
    assert error.startswith("tasks-basic.yaml: case create-task-ar: turns[0].expect.tool_calls[0].args.when:")
    assert "create_task has no argument 'when'" in error and "due_date" in error


def test_pydantic_errors_are_located_in_the_case(tmp_path: Path) -> None:
    bad = GOOD_CASE.replace("confirm: false", "confrim: false").replace("status: open,", "status: opened,")
    errors = errors_of(write(tmp_path, bad))
    assert "tasks-basic.yaml: case create-task-ar: turns[0].expect.confrim: unknown field" in errors


def test_turn_needs_user_or_press(tmp_path: Path) -> None:
    errors = errors_of(
        write(
            tmp_path,
            GOOD_CASE.replace("      - press: confirm\n", "      - press: confirm\n        user: hi\n"),
        )
    )
    assert errors == [
        "tasks-basic.yaml: case create-task-ar: turns[1]: a turn has either `user:` (a message) or "
        "`press: confirm|cancel`"
    ]
    errors = errors_of(
        write(
            tmp_path,
            GOOD_CASE.replace('      - user: "أضف مهمة مراجعة العقد يوم الخميس"', '      - user: "  "'),
        )
    )
    assert errors == ["tasks-basic.yaml: case create-task-ar: turns[0]: `user:` is empty"]


def test_semantic_checks_collect_every_problem(tmp_path: Path) -> None:
    cases = GOOD_CASE + GOOD_CASE.replace("linked_as: sara", "linked_as: nobody").replace(
        "tags: [create, ar]", "tags: [create]"
    ).replace("assignee: sara, created_by: omar", "assignee: ghost, created_by: omar").replace(
        "- {id: 7, title: Review contract", "- {id: 8, title: Review contract"
    ).replace("- {title: No id", "- {id: 8, title: No id").replace(
        "absent: [{id: 7}]", "absent: [{id: 7, colour: red}, {}]"
    ).replace("status: open,", "status: {regex: '('},")
    errors = errors_of(write(tmp_path, cases))
    where = "tasks-basic.yaml: case create-task-ar"
    assert errors == [
        f"{where}: id: used twice in this suite",
        f"{where}: tags: needs a language tag: ar or en",
        f"{where}: user.linked_as: no user 'nobody' in the fixtures",
        f"{where}: fixtures.tasks[0].assignee: no user 'ghost' in the fixtures",
        f"{where}: fixtures.tasks[1].id: task 8 is defined twice",
        f"{where}: expect_state.tasks[0].status: regex: invalid: missing ), unterminated subpattern at "
        "position 0",
        f"{where}: expect_state.absent[0].colour: unknown task field (known: id, title, description, status, "
        "priority, assignee, created_by, due, comments)",
        f"{where}: expect_state.absent[1]: a mapping of task fields to values or matchers",
    ]


def test_bad_matcher_in_tool_args(tmp_path: Path) -> None:
    errors = errors_of(
        write(tmp_path, GOOD_CASE.replace('{contains: "العقد"}, due', '{contains: "العقد", regex: x}, due'))
    )
    assert errors[0].endswith(
        "turns[0].expect.tool_calls[0].args.title: a matcher has exactly one of contains, "
        "regex, any_of, absent (got contains, regex)"
    )


def test_suite_level_errors(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CASE, name="other")
    path.rename(tmp_path / "renamed.yaml")
    assert errors_of(tmp_path / "renamed.yaml") == [
        "renamed.yaml: name: 'other' must match the file name ('renamed')"
    ]
    naive = HEAD.replace('"2026-11-25T09:00:00+03:00"', '"2026-11-25T09:00:00"').replace(
        "cases:", "timezone: Mars/Base\ncases:"
    )
    errors = errors_of(write(tmp_path, GOOD_CASE, name="naive", head=naive))
    assert 'naive.yaml: clock: must have a UTC offset, e.g. "2026-11-25T09:00:00+03:00"' in errors
    assert "naive.yaml: timezone: unknown time zone 'Mars/Base'" in errors
    bad_regex = GOOD_CASE.replace("not_contains: [error]}", "not_contains: [error], regex: '['}")
    assert "reply.regex: invalid regex" in errors_of(write(tmp_path, bad_regex))[0]
    zone = GOOD_CASE.replace("users:", "users:\n        - {username: lina, timezone: Nowhere/X}").replace(
        "fixtures:\n      tasks",
        "fixtures:\n      users: [{username: lina, timezone: Nowhere/X}]\n      tasks",
    )
    assert "fixtures.users[0].timezone: unknown time zone 'Nowhere/X'" in errors_of(write(tmp_path, zone))[0]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- a list", "a suite is a mapping"),
        (
            "name: x\nclock: '2026-11-25T09:00:00+03:00'\ncases: []\n",
            "cases: List should have at least 1 item",
        ),
    ],
)
def test_unreadable_files(tmp_path: Path, content: str, error: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(content)
    (found,) = errors_of(path)
    assert found.startswith("x.yaml: ") and error in found
    assert errors_of(tmp_path / "missing.yaml") == ["missing.yaml: cannot read: No such file or directory"]


def test_case_without_id_is_named_by_position(tmp_path: Path) -> None:
    errors = errors_of(
        write(tmp_path, "  - {tags: [en], user: {wa_id: '966500000001'}, turns: [{user: hi}]}\n")
    )
    assert errors == ["tasks-basic.yaml: case #0: id: Field required"]


def test_wa_id_written_as_a_number_is_text(tmp_path: Path) -> None:
    suite = load_suite(write(tmp_path, GOOD_CASE.replace('wa_id: "966500000001"', "wa_id: 966500000001")))
    assert suite.cases[0].user.wa_id == "966500000001"  # type: ignore[union-attr]


def test_routing_suites_are_skipped_by_load_suites(tmp_path: Path) -> None:
    with pytest.raises(RoutingSuiteFound, match="hudhud eval routing"):
        load_suite(SUITES / "routing.yaml")
    skipped: list[str] = []
    suites = load_suites([SUITES / "routing.yaml", write(tmp_path, GOOD_CASE)], skipped=skipped)
    assert [s.name for s in suites] == ["tasks-basic"] and "routing.yaml" in skipped[0]
    with pytest.raises(SuiteError, match="no suite to run"):
        load_suites([SUITES / "routing.yaml"])


def test_load_suites_reports_all_files_and_duplicate_names(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD_CASE)
    (tmp_path / "copy").mkdir()
    dup = write(tmp_path / "copy", GOOD_CASE)
    bad = write(tmp_path, GOOD_CASE.replace("create_task", "nope"), name="bad")
    with pytest.raises(SuiteError) as caught:
        load_suites([good, dup, bad])
    assert len(caught.value.errors) == 2
    assert "suite name 'tasks-basic' is used twice" in str(caught.value)
    assert "bad.yaml: case create-task-ar: turns[0].expect.tool_calls[0].name: unknown tool 'nope'" in str(
        caught.value
    )


def test_format_loc() -> None:
    assert format_loc(["turns", 0, "expect", "tool_calls", 0, "name"]) == "turns[0].expect.tool_calls[0].name"
    assert format_loc(["clock", "function-after[_aware(), datetime]"]) == "clock"
    assert format_loc([]) == ""


# ------------------------------------------------------------------------------------------ replay dirs


def _body(kind: str = "text") -> bytes:
    message = {"from": "966500000009", "id": "wamid.x", "timestamp": "1", "type": kind}
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"}, "messages": [message]}
    return orjson.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
    )


def test_a_directory_is_a_replay_suite(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(_body())
    (tmp_path / "b.json").write_bytes(_body("sticker"))
    status = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"statuses": []}}]}],
    }
    (tmp_path / "c.json").write_bytes(orjson.dumps(status))
    (tmp_path / "expect.yaml").write_text("b.json: 2\nc.json: {replies: 0, status: 200}\n")
    suite = load_suite(tmp_path)
    assert isinstance(suite, ReplaySuite) and suite.name == tmp_path.name
    assert [(b.name, b.replies, b.status) for b in suite.bodies] == [
        ("a.json", 1, 200),
        ("b.json", 2, 200),
        ("c.json", 0, 200),
    ]


def test_replay_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"no \*\.json webhook bodies"):
        load_suite(tmp_path)
    (tmp_path / "a.json").write_bytes(b"{not json")
    (tmp_path / "b.json").write_bytes(b'{"object": "x"}')
    (tmp_path / "c.json").write_bytes(_body())
    (tmp_path / "expect.yaml").write_text("ghost.json: 1\nc.json: {replies: many}\n")
    with pytest.raises(SuiteError) as caught:
        load_suite(tmp_path)
    text = str(caught.value)
    assert "expect.yaml: ghost.json: no such body file" in text
    assert "a.json: not valid JSON" in text and "b.json: not a WhatsApp webhook body" in text
    assert "expect.yaml: c.json: expected `N` or {replies: N, status: S}" in text
    (tmp_path / "expect.yaml").write_text("[1, 2]")
    with pytest.raises(SuiteError, match="a mapping of file name"):
        load_suite(tmp_path)
    (tmp_path / "expect.yaml").write_text("a: [")
    with pytest.raises(SuiteError, match=r"expect\.yaml: not valid YAML"):
        load_suite(tmp_path)


# ------------------------------------------------------------------------------------------ shipped


def test_shipped_suites_are_valid() -> None:
    skipped: list[str] = []
    paths = sorted(SUITES.glob("*.yaml"))
    suites = load_suites([*paths, SUITES / "webhook-replay"], skipped=skipped)
    assert len(skipped) == 1  # routing.yaml
    cases = [c for s in suites if isinstance(s, Suite) for c in s.cases]
    assert {c.lang for c in cases} == {"ar", "en"}
    replay = next(s for s in suites if isinstance(s, ReplaySuite))
    assert len(replay.bodies) >= 3
