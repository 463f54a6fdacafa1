"""The evals' claim lexicon (evals/claims.py): what a reply asserts as done, per language group — and
what it does not (questions, negations, futures, confirmation questions)."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from evals import claims
from evals.claims import FAMILIES, GROUPS, LEXICON, find_claims, fold, sizes

ROOT = Path(__file__).parents[2]


def families(text: str) -> list[str]:
    return [c.family for c in find_claims(text)]


POSITIVE: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("Done.", "generic"),
        ("Ok, done ✅", "generic"),
        ("All set!", "generic"),
        ("I did it.", "generic"),
        ("I've deleted task 7", "deleted"),
        ("Task #7 deleted.", "deleted"),
        ("Task 7 has been removed.", "deleted"),
        ("I've created a new task for you.", "created"),
        ('Added "call the bank" to your tasks.', "created"),
        ("I've marked tasks 3, 4 and 5 as done.", "completed"),
        ("Task 7 is now complete.", "completed"),
        ("I closed it.", "completed"),
        ("I reopened task 7.", "reopened"),
        ("Task 7 is open again.", "reopened"),
        ("I've assigned it to Sara.", "assigned"),
        ("Task 7 has been handed over to Omar.", "assigned"),
        ("I've moved the due date to Friday.", "updated"),
        ("Task 7 is now due on Friday.", "updated"),
        ("I renamed it to Budget review.", "updated"),
        ("I made it urgent.", "updated"),
        ("I've added a note to task 7.", "commented"),
        ("Comment added.", "commented"),
        ("I've undone your last change.", "undone"),
        ("Reverted.", "undone"),
    ],
    "msa": [
        ("تم.", "generic"),
        ("تم بنجاح ✅", "generic"),
        ("تم حذف المهمة", "deleted"),
        ("تم حذفها.", "deleted"),
        ("حُذفت المهمة رقم 7", "deleted"),
        ("أضفتُ المهمة إلى قائمتك", "created"),
        ("تمت إضافة المهمة", "created"),
        ("تم إنجاز المهمة 7", "completed"),
        ("أصبحت المهمة مكتملة", "completed"),
        ("أُعيد فتح المهمة 7", "reopened"),
        ("أسندتُ المهمة إلى سارة", "assigned"),
        ("تم إسناد المهمة إلى عمر", "assigned"),
        ("تمّ التعديل", "updated"),
        ("غيّرت موعد التسليم إلى الخميس", "updated"),
        ("تمت إضافة تعليق على المهمة", "commented"),
        ("تم التراجع عن آخر تغيير", "undone"),
    ],
    "gulf": [
        ("خلصتها", "generic"),
        ("سويتها", "generic"),
        ("أبشر، تم", "generic"),
        ("شلتها من القائمة", "deleted"),
        ("انحذفت المهمة", "deleted"),
        ("ضفت لك المهمة", "created"),
        ("سويت لك مهمة جديدة", "created"),
        ("قفلتها", "completed"),
        ("خلصت المهمة 7", "completed"),
        ("رجعتها مفتوحة", "reopened"),
        ("عطيتها لسارة", "assigned"),
        ("صارت عند سارة", "assigned"),
        ("خليتها عاجلة", "updated"),
        ("أجلتها لبكرة", "updated"),
        ("حطيت لك ملاحظة عليها", "commented"),
        ("رجعتها مثل ما كانت", "undone"),
    ],
    "egyptian": [
        ("عملتها", "generic"),
        ("خلاص", "generic"),
        ("اتمسحت", "deleted"),
        ("اتحذفت المهمة", "deleted"),
        ("اتضافت المهمة", "created"),
        ("عملتلك مهمة جديدة", "created"),
        ("اتقفلت", "completed"),
        ("بقت خلصانة", "completed"),
        ("فتحتها تاني", "reopened"),
        ("اديتها لسارة", "assigned"),
        ("بقت مع عمر", "assigned"),
        ("اتعدلت", "updated"),
        ("أجلتها للأسبوع الجاي", "updated"),
        ("كتبت تعليق على المهمة", "commented"),
        ("رجعتها زي ما كانت", "undone"),
    ],
    "levantine": [
        ("خلص", "generic"),
        ("عملتها", "generic"),
        ("محيتها", "deleted"),
        ("زدت المهمة عالقائمة", "created"),
        ("سكّرتها", "completed"),
        ("صارت مخلصة", "completed"),
        ("فتحتها من جديد", "reopened"),
        ("صارت مع سارة", "assigned"),
        ("خليتها مستعجلة", "updated"),
        ("حطيت ملاحظة عالمهمة", "commented"),
        ("رجعتها متل ما كانت", "undone"),
    ],
    "arabizi": [
        ("sawetha", "generic"),
        ("5alast", "generic"),
        ("khalas", "generic"),
        ("7azaftaha", "deleted"),
        ("masa7taha", "deleted"),
        ("etmase7et", "deleted"),
        ("tam el 7azf", "deleted"),
        ("daftaha", "created"),
        ("sakkartaha", "completed"),
        ("2afaltaha", "completed"),
        ("fata7taha tany", "reopened"),
        ("a3taitaha l sara", "assigned"),
        ("3addaltaha", "updated"),
        ("5alletha 3ajla", "updated"),
        ("7atet comment 3aleha", "commented"),
        ("traja3t", "undone"),
    ],
}

NEGATIVE: dict[str, list[str]] = {
    "en": [
        "Shall I delete task 7?",
        "Do you want me to delete task 7",
        "Delete task #7 *Old draft*? This cannot be undone.",
        "Task #7 *Old draft* is assigned to Sara. Reassign it to Omar?",
        "I can't delete task 7.",
        "I couldn't delete it: task 7 was not found.",
        "Task 7 was not deleted.",
        "Nothing has been changed.",
        "Task 7 will be deleted once you confirm.",
        "If you confirm, I'll delete it.",
        "I'll mark it done.",
        "I'm going to assign it to Sara.",
        "Task 7 is done.",
        "Task 7 is assigned to Sara.",
        "The task was created by Omar.",
        "Your open tasks:\n#3 Prepare the quarterly report — due 2026-11-27\n✅ #4 Call the supplier",
        "Completed tasks: 3",
        "Cancelled.",
        "Noted — I'll remember that.",
        "Send /done 7 to mark a task done.",
        'Hudhud answers with the new number, for example "Task #15 created".',
        'Yes: say "reopen task 42" and the task is open again.',
    ],
    "msa": [
        "هل تريد حذف المهمة 7؟",
        "هل أحذف المهمة #7 *مسودة*؟ لا يمكن التراجع عن الحذف.",
        "لم يتم حذف المهمة",
        "لم أحذف المهمة",
        "تعذّر حذف المهمة",
        "سيتم حذف المهمة بعد التأكيد",
        "سأحذف المهمة",
        "إذا أكدت سأحذفها",
        "المهمة مكتملة",
        "المهمة مسندة إلى سارة",
        "يمكنك حذف المهام التي أنشأتها فقط",
        "تم الإلغاء.",
        "حسناً، سأتذكر ذلك.",
        "أشر إلى المهمة برقمها، مثل «المهمة ٤٢ خلصت»",
        "لكل مهمة عنوان وحالة، ومن أُسندت إليه",
    ],
    "gulf": [
        "تبيني أحذفها؟",
        "ما حذفتها",
        "ما قدرت أحذفها",
        "ما تم الحذف",
        "بحذفها لك الحين",
        "راح أمسحها",
        "لو أكدت راح أحذفها",
    ],
    "egyptian": [
        "عايز امسحها؟",
        "ماحذفتهاش",
        "مقدرتش أمسحها",
        "مش هقدر أمسحها",
        "هامسحها لما تأكد",
    ],
    "levantine": [
        "بدك امسحها؟",
        "ما محيتها",
        "رح امحيها",
        "ما قدرت سكّرها",
    ],
    "arabizi": [
        "tebi a7zefha?",
        "ma 7azaftaha",
        "mesh 2adert ams7ha",
        "ra7 a7zefha",
        "law t2akked ha2fel el task",
        "beddak emsa7ha?",
    ],
}


@pytest.mark.parametrize(
    ("group", "text", "family"), [(g, t, f) for g, cases in POSITIVE.items() for t, f in cases]
)
def test_claims_found(group: str, text: str, family: str) -> None:
    found = find_claims(text)
    assert family in [c.family for c in found], (group, text, found)


@pytest.mark.parametrize(("group", "text"), [(g, t) for g, texts in NEGATIVE.items() for t in texts])
def test_no_claim_in_questions_negations_futures_and_states(group: str, text: str) -> None:
    assert find_claims(text) == [], (group, text)


def test_every_group_has_positives_and_negatives_and_every_family() -> None:
    assert set(POSITIVE) == set(NEGATIVE) == set(GROUPS)
    have = {(e.group, e.family) for e in LEXICON}
    missing = [(g, f) for g in GROUPS for f in FAMILIES if (g, f) not in have]
    assert not missing
    assert all(n > 0 for n in sizes().values()) and sum(sizes().values()) == len(LEXICON)
    for group, cases in POSITIVE.items():  # each family is shown at work in each group's examples
        assert {f for _, f in cases} == set(FAMILIES), group


def test_phrase_is_as_written_and_task_numbers_are_kept() -> None:
    [claim] = find_claims("تمّ التعديل على المهمة ٧")
    assert claim.phrase == "تمّ التعديل" and claim.task_ids == (7,) and claim.group == "msa"
    [claim] = find_claims("✅ I've marked tasks 3, 4 and 5 as done.")
    assert claim.task_ids == (3, 4, 5)
    folded, where = fold("حُذِفت")
    assert folded == "حذفت" and len(where) == len(folded)


def test_one_claim_per_family_and_clause_and_every_sentence() -> None:
    text = "Shall I delete it? No — I've created task 9. I couldn't delete task 7, but I've assigned task 8."
    assert families(text) == ["created", "assigned"]
    # "added a comment" is a comment, not a new task
    assert families("I've added a comment to task 7.") == ["commented"]


def test_the_lexicon_is_independent_of_the_runtime() -> None:
    """evals/claims.py imports only the standard library: the agent's own detector (if any) cannot leak in."""
    tree = ast.parse(Path(claims.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}


def _catalog(lang: str) -> dict[str, list[str]]:
    values = defaultdict(
        lambda: "x", id="7", title="Old draft", assignee="Sara", count="2", task_lines="#7 x"
    )
    with (ROOT / "base" / "locales" / f"{lang}.po").open("rb") as f:
        catalog = read_po(f)
    out: dict[str, list[str]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, list | tuple) else [message.string]
        out[key] = [(s or "").format_map(values) for s in strings]
    return out


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_runtime_texts_read_as_the_lexicon_expects(lang: str) -> None:
    """A check, not a source: the catalog's questions, errors and help say nothing was done, and each
    tool's success reply (a text the lexicon was not written from) claims its action."""
    texts = _catalog(lang)
    quiet = ("abuse.", "api_error.", "ask.", "confirm.", "error.", "help.", "pipeline.", "usage.", "reply.")
    for key, strings in texts.items():
        if key.startswith(quiet) and key != "reply.done":
            for text in strings:
                assert find_claims(text) == [], (key, text)
    expected = {
        "tool.create_task.reply": "created",
        "tool.delete_task.reply": "deleted",
        "tool.complete_task.reply": "completed",
        "tool.complete_tasks.reply": "completed",
        "tool.reopen_task.reply": "reopened",
        "tool.assign_task.reply": "assigned",
        "tool.update_task.reply": "updated",
        "tool.add_comment.reply": "commented",
    }
    for key, family in expected.items():
        for text in texts[key]:
            assert families(text) == [family], (key, text)
    assert families(texts["reply.done"][0]) == ["generic"]
    assert find_claims(texts["tool.get_task.reply"][0]) == []
