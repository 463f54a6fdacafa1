"""Readings found by the first contact of a media studio's daily work and a mall facilities team's changes
(evals/suites/studio.yaml, facilities.yaml), each written out for the dialect groups rather than from
the suites' messages."""

from __future__ import annotations

import pytest

from base.text.lexicon import is_self
from base.text.priority import normalize_priority
from tests.tools.test_task_corrections import decide
from tools.naming import best, opening
from tools.packs.tasks.cues import (
    asks_for_a_list,
    meant_date,
    names_no_task,
    opens_with_show,
    says_done,
    says_its_priority,
    says_overdue,
    whose_tasks,
)
from tools.packs.tasks.naming import NAMING
from tools.registry import ANSWER, ToolRegistry

TOOLS = ToolRegistry.shipped()


@pytest.mark.parametrize(
    "text",
    [
        "show me the team's late tasks that nobody closed yet",
        "عطني مهام الفريق اللي تأخرت ومحد سكرها",  # Gulf
        "وريني تاسكات الفريق المتأخرة اللي محدش قفلها",  # Egyptian
        "فرجيني مهام الفريق المتأخرة يلي ما حدا سكّرها",  # Levantine
    ],
)
def test_a_done_word_after_nobody_lists_the_late_ones(text: str) -> None:
    assert not says_done(text)
    decided = decide("complete_tasks", text, overdue=True)
    assert (decided.action, decided.args) == ("list_tasks", {"scope": "team", "overdue": True})


@pytest.mark.parametrize(
    "text",
    [
        "شو المهام يلي معدّى وقتها؟",  # Levantine, the participle
        "وش المهام اللي فايت موعدها؟",  # Gulf
        "المهام اللي ميعادها عدّى",  # Egyptian, the time first
        "المهام التي موعدها انقضى",  # MSA
    ],
)
def test_its_time_passed_is_overdue_as_a_participle_or_with_the_time_first(text: str) -> None:
    assert says_overdue(text)


def test_a_date_is_no_overdue_word() -> None:
    assert not says_overdue("غيّر موعد المهمة 12 للخميس")


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("صباح الخير، طلّع لي الشغل اللي باقي علي", "mine"),  # Gulf, a greeting first
        ("hello, show me my tasks", "mine"),
        ("مرحبا، فرجيني يلي ضايل عليي", "mine"),  # Levantine
        ("marhaba, warini el tasks beta3ti", "mine"),  # Arabizi
    ],
)
def test_a_greeting_before_a_request_to_see_is_still_that_request(text: str, scope: str) -> None:
    assert opens_with_show(text)
    assert asks_for_a_list(text) == scope


def test_a_greeting_alone_shows_nothing() -> None:
    assert not opens_with_show("صباح الخير")


@pytest.mark.parametrize(
    "text",
    ["شو عندي شغل نهار الاتنين؟", "وش عندي يوم الخميس؟", "eh 3andi shoghl yom el sabt?", "مهام يوم الأحد"],
)
def test_a_day_is_nobody_whose_tasks_are_listed(text: str) -> None:
    assert whose_tasks(text) is None


def test_a_name_is_still_someone_whose_tasks_are_listed() -> None:
    assert whose_tasks("شو عند روان شغل؟") == "روان"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("شو وضع 1434؟", "1434"),
        ("ايش صار على 88؟", "88"),
        ("وش وضع 230؟", "230"),
        ("إيه أخبار 512؟", "512"),
    ],
)
def test_a_question_about_a_bare_number_read_as_an_empty_update_shows_it(text: str, number: str) -> None:
    decided = decide("update_task", text, task_id=number)
    assert (decided.action, decided.args) == ("get_task", {"task_id": number})


@pytest.mark.parametrize(
    "word", ["5alset", "khallasna", "5olset", "sakkerla", "sakkartaha", "2afalt", "2fel", "qaflo", "5alsa"]
)
def test_arabizi_verbs_of_finishing_in_any_spelling(word: str) -> None:
    assert says_done(f"{word} el task") and names_no_task(word)


@pytest.mark.parametrize("word", ["sukkar", "saqr", "sakr", "kalam", "5alil", "fil"])
def test_words_that_only_look_like_them_are_not(word: str) -> None:
    assert not says_done(word) and not names_no_task(word)


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("خلصت تصميم بوستر المعرض، سكرها", "complete_task"),  # Gulf / Levantine
        ("5alset montage el promo, sakkerha", "complete_task"),  # Arabizi: the agent's `named_not_new`
        ("رجع مهمة الفواتير مفتوحة", "reopen_task"),
    ],
)
def test_a_new_task_whose_words_finish_or_reopen_one_reads_as_that(text: str, other: str) -> None:
    """The router's "create" for these is another tool by the words: the agent acts on the one task their
    title names, else the creation goes on (agent/agent.py `_named_not_new`)."""
    assert other in TOOLS.other_readings("create_task", text)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("1500 isn't urgent anymore", "low"),
        ("this is no longer urgent", "low"),
        ("مهوب مستعجلة", "low"),  # Gulf
        ("خليها mosta3gela", "high"),  # Arabizi spellings of "urgent"
        ("5aleeha most3gela", "high"),
    ],
)
def test_urgency_denied_or_spelled_in_arabizi(text: str, level: str) -> None:
    assert normalize_priority(text) == level


def test_a_priority_said_after_isnt_wins_over_the_model() -> None:
    decided = decide("update_task", "14 isn't urgent anymore, it can wait", task_id="14", priority="high")
    assert decided.args["priority"] == "low"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("ستتولى شهد متابعة المهمة 17", "شهد"),  # MSA, the verb first
        ("سيستلم خالد مهمة الجرد", "خالد"),
        ("بدي روان تمسك 31 عني", "روان"),  # Levantine
    ],
)
def test_who_takes_a_task_with_the_verb_first_or_after_wanting(text: str, person: str) -> None:
    assert (
        decide("assign_task", text, task_id="17", assignee="مهندس محل الألعاب من الأول").args["assignee"]
        == person
    )


@pytest.mark.parametrize(
    "text",
    ["النافورة هي اللي مستعجلة", "التقرير هو اللي متأخر"],  # a thing, with its article, is nobody
)
def test_a_thing_that_is_the_one_is_nobody(text: str) -> None:
    from tools.packs.tasks.cues import holder_or_doer

    assert holder_or_doer(text) is None


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("لا لحظة، مش بكرا، قصدي يوم الخميس، الفني ما بيقدر قبل", "يوم الخميس"),  # Levantine
        ("sorry, I meant Friday not Thursday", "Friday"),
        ("la2 2asdi yom el sabt", "yom el sabt"),  # Arabizi
        ("لا قصدي الأحد الجاي", "الأحد الجاي"),  # Gulf
    ],
)
def test_i_meant_a_date_moves_the_task_just_changed(text: str, date: str) -> None:
    assert meant_date(text) == date
    decided = decide("create_task", text, title="x", due_date="x", follow_ref=33)
    assert (decided.action, decided.args) == ("update_task", {"task_id": 33, "due_date": date})


def test_i_meant_a_person_is_no_date() -> None:
    assert meant_date("لا قصدي خالد مو سارة") is None
    assert meant_date("I meant 13") is None


@pytest.mark.parametrize(
    "text",
    [
        "مهمة تنظيف زجاج الواجهة خليها مستعجلة",  # Gulf / Levantine
        "el task bta3et el ta2rir 5aleeha mosta3gela",  # Arabizi
        "the lobby signage task, make it urgent",
    ],
)
def test_a_priority_set_on_a_task_named_by_its_title_is_no_new_task(text: str) -> None:
    assert says_its_priority(text)
    decided = decide("create_task", text, title=text)
    assert (decided.action, decided.args) == ("update_task", {"task_id": None, "priority": "high"})


@pytest.mark.parametrize(
    "text", ["call the bank, make it urgent", "add a task for the lobby signage, make it urgent"]
)
def test_a_new_task_with_its_priority_stays_new(text: str) -> None:
    assert decide("create_task", text, title=text).action == "create_task"


def test_in_my_name_in_arabizi_is_the_speaker() -> None:
    assert is_self("esmi") and is_self("3ala esmi")


def test_the_first_clause_names_the_task_when_the_reason_after_it_names_none() -> None:
    items = [
        {"id": 1, "title": "Design YouTube thumbnails for the series"},
        {"id": 2, "title": "Client invoice"},
    ]
    message = "reopen the thumbnails one, the client hated the font"
    assert best(NAMING.query(message), items, naming=NAMING) == []  # the whole message: too many words
    first = opening(NAMING, message)
    assert first == ["thumbnails"] and [i["id"] for i in best(first, items, naming=NAMING)] == [1]


def test_arabizi_names_an_arabic_title_without_its_h_and_with_its_final_vowel() -> None:
    items = [
        {"id": 1, "title": "قص فيديوهات قصيرة من مقابلة الفنانة"},
        {"id": 2, "title": "مونتاج فيديو المعرض"},
    ]
    query = NAMING.query("5alset videoyet mou2ablet el fannene, sakkerla")
    assert "5alset" not in query and "sakkerla" not in query
    assert [i["id"] for i in best(query, items, naming=NAMING)] == [1]


def test_a_question_with_no_number_is_still_answered() -> None:
    assert decide("update_task", "شو وضع المشروع؟", task_id="1").action == ANSWER


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("أي المهام أنجزت هذا الأسبوع؟", "done"),  # MSA
        ("أنهي تاسكات خلصت الأسبوع ده؟", "done"),  # Egyptian
        ("anu el tasks elli sakkarta?", "done"),  # Levantine Arabizi
        ("ayya tasks lazem 5alles awwal?", "open"),  # what must be finished first
    ],
)
def test_which_tasks_are_finished_asked_in_each_group_is_a_list(text: str, status: str) -> None:
    decided = decide("complete_tasks", text, task_ids=None)
    assert (decided.action, decided.args) == ("list_tasks", {"scope": "mine", "status": status})


@pytest.mark.parametrize("text", ["وش باقي علي من مهام هالاسبوع؟", "شو ضايل علي؟", "shu ba2i 3alaya?"])
def test_what_is_left_on_me_is_mine(text: str) -> None:
    assert decide("list_tasks", text, scope="team").args["scope"] == "mine"


def test_ali_is_still_a_name() -> None:
    assert decide("list_tasks", "شو مهام علي؟", scope="team").args.get("scope") != "mine"
