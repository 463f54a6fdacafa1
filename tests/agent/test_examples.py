"""The router's retrieved examples (agent/examples.py) with the real e5 embeddings."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from agent.examples import BANK, KEPT, ExampleBank, bank_lines
from prompts.store import Prompt, PromptStore, parse_prompt
from tools.registry import ToolRegistry

BANK_TEXT = """---
version: 1
description: a test bank
---
Please delete task 8, it's a duplicate -> {"action": "delete_task", "task_id": "8"}
Order printer paper by Monday -> {"action": "create_task", "title": "order printer paper"}
Give task 4 to Maria -> {"action": "assign_task", "task_id": "4", "assignee": "Maria"}
Good morning, how are you? -> {"action": "answer"}
صباح الخير يا جماعة -> {"action": "answer"}
امسح المهمة ٥ لو سمحت -> {"action": "delete_task", "task_id": "٥"}
What is the refund policy for customers? -> {"action": "answer"}
"""


@pytest.fixture(scope="module")
def bank() -> Prompt:
    return parse_prompt(Path("router-bank.md"), BANK_TEXT)


def test_bank_lines_are_message_and_output() -> None:
    lines = bank_lines('intro\nhi -> {"action": "answer"}\nno arrow here')
    assert lines == [("hi", '{"action": "answer"}')]


def test_the_nearest_example_comes_last(bank: Prompt) -> None:
    chosen = ExampleBank(k=2).nearest(bank, "remove task 12 please, we don't need it")
    assert len(chosen) == 2
    assert chosen[-1][0].startswith("Please delete task 8")


def test_an_arabic_greeting_finds_the_arabic_greeting(bank: Prompt) -> None:
    chosen = ExampleBank(k=1).nearest(bank, "مرحبا")
    assert [said for said, _ in chosen] == ["صباح الخير يا جماعة"]


def test_k_zero_and_an_empty_message_choose_nothing(bank: Prompt) -> None:
    assert ExampleBank(k=0).nearest(bank, "delete task 3") == []
    assert ExampleBank(k=3).nearest(bank, "   ") == []


def test_the_character_cap_keeps_the_nearest_only(bank: Prompt) -> None:
    chosen = ExampleBank(k=3, max_chars=10).nearest(bank, "delete task 3")
    assert [said for said, _ in chosen] == ["Please delete task 8, it's a duplicate"]


def test_a_changed_bank_is_indexed_again(bank: Prompt) -> None:
    examples = ExampleBank(k=1)
    assert examples.nearest(bank, "Please delete task 9, it's a duplicate")[0][0].startswith("Please delete")
    erase = BANK_TEXT.replace("Please delete task 8", "Please erase task 8")
    other = parse_prompt(Path("router-bank.md"), erase)
    assert examples.nearest(other, "Please delete task 9, it's a duplicate")[0][0].startswith("Please erase")


async def test_warm_indexes_the_bank_off_the_loop(bank: Prompt) -> None:
    examples = ExampleBank(k=1)
    await examples.warm(bank)
    assert bank.sha256 in examples._vectors
    chosen = await examples.anearest(bank, "good morning everyone, how are you all?")
    assert chosen == [("Good morning, how are you?", '{"action": "answer"}')]


def test_every_shipped_bank_line_is_a_valid_router_output() -> None:
    """Each line's JSON names an offered action and exactly its arguments, as the router's schema does."""
    registry = ToolRegistry.shipped()
    lines = bank_lines(PromptStore().get(BANK).text)
    assert len(lines) >= 150
    for said, output in lines:
        data = orjson.loads(output)
        action = data.pop("action")
        assert said, output
        if action == "answer":
            assert data == {}, said
            continue
        spec = registry.get(action)
        assert spec is not None, said
        assert set(data) == set(spec.offered_args), said


def test_numbers_do_not_make_lines_near(bank: Prompt) -> None:
    """ "task 8" in a message is no reason to show the line about task 8 (unmasked, e5 puts the deletion
    of task 8 nearest to each of these hand-overs)."""
    for text in ("Give task 8 to Sam", "hand task 8 over to Sam", "pass task ٨ to Sam"):
        chosen = ExampleBank(k=1).nearest(bank, text)
        assert [said for said, _ in chosen] == ["Give task 4 to Maria"], text


def test_only_the_last_few_bank_texts_keep_their_vectors(bank: Prompt) -> None:
    examples = ExampleBank(k=1)
    shas = []
    for n in range(KEPT + 2):
        other = parse_prompt(Path("router-bank.md"), BANK_TEXT + f'draft {n} -> {{"action": "answer"}}\n')
        examples.nearest(other, "hello")
        shas.append(other.sha256)
    assert list(examples._vectors) == shas[-KEPT:]
