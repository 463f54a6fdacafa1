"""Arabizi questions are searched in Arabic script: the real converter, the real knowledge base search."""

from __future__ import annotations

import pytest

from agent.arabizi import ArabiziConverter
from memory.kb import KnowledgeBase
from memory.vectors import VectorStore

LINKING = """# Getting started

## Linking your WhatsApp number
Send /link followed by the six-digit code from your account page. The code expires after 10 minutes.

## Languages
Hudhud replies in Arabic or English; send /lang en or /lang ar to choose the language of the replies.
"""

LINKING_AR = """# دليل البدء

## ربط رقم واتساب بحسابك
أرسل ‎/link متبوعاً برمز الربط المكوّن من ستة أرقام من صفحة حسابك. تنتهي صلاحية الرمز بعد عشر دقائق.

## اللغات
يرد هدهد بالعربية أو الإنجليزية؛ أرسل ‎/lang en أو ‎/lang ar لاختيار لغة الردود.
"""


async def test_arabizi_becomes_arabic_script() -> None:
    converter = ArabiziConverter()
    out = await converter.convert("ezay a3mel link lel raqam bta3i?")
    assert "رقم" in out and "ezay" not in out


async def test_a_broken_converter_gives_the_text_back() -> None:
    converter = ArabiziConverter()
    converter._converter = object()  # no convert(): the search runs on the user's own words
    assert await converter.convert("ezay a3mel link") == "ezay a3mel link"


@pytest.fixture
async def knowledge(tmp_path) -> KnowledgeBase:
    store = VectorStore.embedded(tmp_path / "chroma")
    kb = KnowledgeBase(store, collection="kb_arabizi")
    await kb.add_bytes("getting-started.md", LINKING.encode())
    await kb.add_bytes("getting-started.ar.md", LINKING_AR.encode())
    yield kb
    store.close()


async def test_converted_arabizi_question_finds_the_section(knowledge: KnowledgeBase) -> None:
    question = "mumkin a5alli el rudood bel english badal el 3arabi?"
    raw = await knowledge.search(question, k=1, threshold=-1.0)
    converted = await knowledge.search(await ArabiziConverter().convert(question), k=1, threshold=-1.0)
    assert converted[0].section and "اللغات" in converted[0].section
    assert converted[0].relevance > raw[0].relevance + 0.03
