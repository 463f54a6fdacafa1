"""Markdown → WhatsApp formatting, and splitting long replies."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.whatsapp.formatting import split_message, to_whatsapp

ARABIC = (
    "مرحباً بك في خدمة العملاء! كيف يمكنني مساعدتك اليوم؟\n"
    "\n"
    "ساعات العمل: من الأحد إلى الخميس، ٩ صباحاً – ٥ مساءً؛ والجمعة مغلق.\n"
    "1. الطلب رقم ١٢٣٤٥\n"
    "- التوصيل خلال ٣ أيام\n"
    "> ملاحظة: الأسعار تشمل الضريبة (١٥٪)\n"
    "راجع الموقع: https://example.sa/ar/مساعدة_العملاء\n"
    "نص فيه شرطة_سفلية و 5*3 = 15 ورمز ~ وحيد."
)


# ---------------------------------------------------------------- inline rules


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**bold**", "*bold*"),
        ("__bold__", "*bold*"),
        ("*italic*", "_italic_"),
        ("_italic_", "_italic_"),
        ("***both***", "*_both_*"),
        ("~~strike~~", "~strike~"),
        ("a **b** c **d**", "a *b* c *d*"),
        ("**bold with *italic* inside**", "*bold with _italic_ inside*"),
        ("*italic with **bold** inside*", "_italic with *bold* inside_"),
        ("`inline code`", "`inline code`"),
        ("`keep **this** _as is_`", "`keep **this** _as is_`"),
        ("``double ticks``", "`double ticks`"),
        ("``code with ` tick``", "``code with ` tick``"),
        ("```mono```", "```mono```"),
        ("snake_case_name and __init__x", "snake_case_name and __init__x"),
        ("2*3*4 and 5 * 6", "2*3*4 and 5 * 6"),
        ("** not bold **", "** not bold **"),
        (r"\*not italic\* and \_x\_", "*not italic* and _x_"),
        ("a ~ b ~ c", "a ~ b ~ c"),
    ],
)
def test_inline(markdown: str, expected: str) -> None:
    assert to_whatsapp(markdown) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[docs](https://example.com/docs)", "docs (https://example.com/docs)"),
        ("[https://x.com](https://x.com)", "https://x.com"),
        ("[x.com](https://x.com/)", "https://x.com/"),
        ("[**Bold** link](https://x.com)", "*Bold* link (https://x.com)"),
        ("[a](https://en.wikipedia.org/wiki/Foo_(bar))", "a (https://en.wikipedia.org/wiki/Foo_(bar))"),
        ('[t](https://x.com "title")', "t (https://x.com)"),
        ("[t](<https://x.com/a b>)", "[t](<https://x.com/a b>)"),  # not a valid link: left alone
        ("![logo](https://x.com/logo.png)", "logo (https://x.com/logo.png)"),
        ("![](https://x.com/logo.png)", "https://x.com/logo.png"),
        ("<https://x.com/a_b_c>", "https://x.com/a_b_c"),
        ("see https://x.com/_a_/**b** now", "see https://x.com/_a_/**b** now"),
        ("**https://x.com/a_b**, and _https://y.com_.", "*https://x.com/a_b*, and _https://y.com_."),
        ("(https://x.com/q?a=1&b=_2_)", "(https://x.com/q?a=1&b=_2_)"),
        ("[mail](mailto:a@b.co)", "mail (mailto:a@b.co)"),
        ("`[not](a link)`", "`[not](a link)`"),
    ],
)
def test_links_and_images(markdown: str, expected: str) -> None:
    assert to_whatsapp(markdown) == expected


# ---------------------------------------------------------------- block rules


def test_headers() -> None:
    markdown = (
        "# Title\nText\n## **Already bold** header ##\n###### Intro to **X** and *y*\n#hashtag\n#\n## ##"
    )
    assert to_whatsapp(markdown) == "*Title*\nText\n*Already bold header*\n*Intro to X and _y_*\n#hashtag"


def test_setext_header() -> None:
    assert to_whatsapp("Title\n=====\nbody") == "*Title*\nbody"
    assert to_whatsapp("===") == "==="


def test_bullets_and_nesting() -> None:
    markdown = "- one\n  - two\n    - three\n* four\n+ five\n\t- tabbed\n- **bold** item"
    expected = "- one\n  - two\n    - three\n- four\n- five\n  - tabbed\n- *bold* item"
    assert to_whatsapp(markdown) == expected


def test_four_space_nesting_is_normalized() -> None:
    assert to_whatsapp("- a\n    - b\n        - c\n    - d\n- e") == "- a\n  - b\n    - c\n  - d\n- e"


def test_numbered_lists_are_kept() -> None:
    markdown = "1. first\n2. **second**\n   1. nested\n3) third"
    assert to_whatsapp(markdown) == "1. first\n2. *second*\n  1. nested\n3) third"


def test_list_nesting_resets_after_paragraph() -> None:
    markdown = "  - indented start\nParagraph\n    - new list"
    assert to_whatsapp(markdown) == "- indented start\nParagraph\n- new list"


def test_blockquote() -> None:
    assert to_whatsapp("> quoted *text*\n>") == "> quoted _text_\n>"


def test_fenced_code_block_is_untouched() -> None:
    markdown = "Run:\n```python\ndef f(**kw):  # **not bold**\n\n\n\n    return _x_\n```\nafter **b**"
    expected = "Run:\n```\ndef f(**kw):  # **not bold**\n\n\n\n    return _x_\n```\nafter *b*"
    assert to_whatsapp(markdown) == expected


def test_tilde_fence_and_longer_fences() -> None:
    assert to_whatsapp("~~~sh\nls *.py\n~~~") == "```\nls *.py\n```"
    assert to_whatsapp("````\n```\ninner\n```\n````") == "```\n```\ninner\n```\n```"


def test_unclosed_fence_is_closed() -> None:
    assert to_whatsapp("```js\nlet a = 1") == "```\nlet a = 1\n```"


def test_table_becomes_lines() -> None:
    markdown = (
        "| Item | Qty | Note |\n"
        "|:-----|----:|:----:|\n"
        "| **Apple** | 3 | fresh<br>red |\n"
        "| Pear | | |\n"
        "| a \\| b | 1 | x | extra |\n"
        "| | | |\n"
        "\n"
        "after"
    )
    expected = (
        "Item: *Apple* · Qty: 3 · Note: fresh red\n"
        "Item: Pear\n"
        "Item: a | b · Qty: 1 · Note: x · extra\n"
        "\n"
        "after"
    )
    assert to_whatsapp(markdown) == expected


def test_table_without_rows_and_without_outer_pipes() -> None:
    assert to_whatsapp("a | b\n--- | ---") == "a · b"
    assert to_whatsapp("a | b\n--|--\n1 | 2") == "a: 1 · b: 2"


def test_pipe_line_without_separator_is_text() -> None:
    assert to_whatsapp("a | b\nc | d") == "a | b\nc | d"
    assert to_whatsapp("a | b\n---") == "a | b"  # a rule, not a table separator


def test_horizontal_rules_removed() -> None:
    assert to_whatsapp("above\n\n---\n\nbelow\n***\n_ _ _\nend") == "above\n\nbelow\nend"


def test_blank_lines_collapsed() -> None:
    assert to_whatsapp("a\n\n\n\nb\n  \n\t\nc\n\nd") == "a\n\nb\n\nc\n\nd"
    assert to_whatsapp("\n\n\nstart\n\n") == "start"


def test_crlf_input() -> None:
    assert to_whatsapp("**a**\r\nb") == "*a*\nb"


def test_internal_markers_in_input_are_dropped() -> None:
    assert to_whatsapp("a\ufdd3" + "0\ufdd4 **b**") == "a0 *b*"


# ---------------------------------------------------------------- Arabic


def test_arabic_passes_through_byte_for_byte() -> None:
    out = to_whatsapp(ARABIC)
    assert out.encode("utf-8") == ARABIC.encode("utf-8")


def test_arabic_with_markup_only_loses_the_markup() -> None:
    markdown = "## عنوان **مهم**\n**مرحبا** بكم، _كيف_ حالكم؟ ~~قديم~~\n* عنصر [الرابط](https://example.sa)"
    expected = "*عنوان مهم*\n*مرحبا* بكم، _كيف_ حالكم؟ ~قديم~\n- عنصر الرابط (https://example.sa)"
    out = to_whatsapp(markdown)
    assert out == expected
    assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]", out)  # no bidi controls


# ---------------------------------------------------------------- split_message


def test_split_short_and_empty() -> None:
    assert split_message("") == []
    assert split_message("  \n\n ") == []
    assert split_message("  hello  ") == ["hello"]
    assert split_message("x" * 4096) == ["x" * 4096]


def test_split_rejects_bad_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_message("abc", limit=0)


def test_split_prefers_paragraphs() -> None:
    text = "a" * 30 + "\n\n" + "b" * 30 + "\n" + "c" * 30
    assert split_message(text, limit=70) == ["a" * 30, "b" * 30 + "\n" + "c" * 30]


def test_split_lines_then_sentences_then_clauses_then_spaces() -> None:
    assert split_message("aaaa bbbb\ncccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_message("Hi there. And more", limit=12) == ["Hi there.", "And more"]
    assert split_message("كيف حالك؟ أنا بخير", limit=12) == ["كيف حالك؟", "أنا بخير"]
    assert split_message("واحد، اثنان ثلاثة", limit=13) == ["واحد،", "اثنان ثلاثة"]  # clause beats space
    assert split_message("one two three", limit=8) == ["one two", "three"]


def test_split_avoids_tiny_parts() -> None:
    # The only paragraph break is very early; a later line break gives more even parts.
    text = "ab\n\n" + "c" * 50 + "\n" + "d" * 40
    assert split_message(text, limit=80) == ["ab\n\n" + "c" * 50, "d" * 40]


def test_split_hard_cut_keeps_combining_marks() -> None:
    word = "بِسْمِ" * 10  # letters with harakat, no spaces
    parts = split_message(word, limit=7)
    assert "".join(parts) == word
    assert all(len(p) <= 7 for p in parts)
    assert all(p[0] not in "\u0650\u0652" for p in parts)  # no part starts with a bare mark


def test_split_hard_cut_keeps_zwj_sequences() -> None:
    family = "👨\u200d👩\u200d👧"  # 5 code points, one visible emoji
    text = "ab" + family * 3 + "👍🏽" * 4
    parts = split_message(text, limit=6)
    assert parts == ["ab", family, family, family, "👍🏽👍🏽👍🏽", "👍🏽"]


def test_split_hard_cut_inside_an_overlong_sequence() -> None:
    # A sequence longer than the limit cannot stay whole; the cut falls at the limit.
    family = "👨\u200d👩\u200d👧"
    assert split_message(family, limit=4) == [family[:4], family[4:]]


def test_split_keeps_code_block_whole_when_it_fits() -> None:
    code = "```\n" + "\n".join(f"x = {i}" for i in range(8)) + "\n```"
    text = "intro " * 8 + "\n\n" + code + "\n\nend"
    parts = split_message(text, limit=90)
    assert parts == ["intro " * 7 + "intro", code + "\n\nend"]
    assert all(len(p) <= 90 for p in parts)


def test_split_code_block_longer_than_limit_cuts_at_lines() -> None:
    code = "```\n" + "\n".join(f"line_{i}" for i in range(30)) + "\n```"
    parts = split_message(code, limit=50)
    assert all(len(p) <= 50 for p in parts)
    assert "\n".join(parts) == code


def test_split_long_arabic_text_with_code_block() -> None:
    sentence = "هذا نص عربي طويل لاختبار تقسيم الرسائل، ويحتوي على جمل كثيرة وعلامات ترقيم. "
    paragraph = (sentence * 6).strip()
    paragraphs = [paragraph] * 25
    code = "```\n" + "\n".join(f"السطر {i}: قيمة = {i * i}" for i in range(40)) + "\n```"
    paragraphs.insert(9, code)  # lands near the first 4096 boundary
    text = "\n\n".join(paragraphs)
    assert len(text) > 10_000
    parts = split_message(text)
    assert len(parts) >= 3
    assert all(0 < len(p) <= 4096 for p in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)  # nothing lost or duplicated
    assert sum(code in p for p in parts) == 1  # the code block is in one part
    # Parts end on paragraph boundaries here, so rejoining them restores the text exactly.
    assert "\n\n".join(parts) == text


def test_split_reconstruction_property() -> None:
    text = " ".join(f"word{i}." if i % 7 == 0 else f"w{i}" for i in range(3000))
    parts = split_message(text, limit=500)
    assert all(len(p) <= 500 for p in parts)
    assert " ".join(parts) == text


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "hostile",
    [
        "_a " * 20_000,
        "** a" * 20_000,
        "__a " * 20_000,
        "~~a " * 20_000,
        "[" * 20_000 + "](",
        "[a](x" * 20_000,
        "``a`" * 20_000,
        "<https://" * 10_000,
        "# a" + " " * 20_000 + "b",
        "``` a " * 5_000,
        "| a " * 10_000 + "\n|" + "---|" * 10_000,
    ],
)
def test_hostile_input_is_handled_in_linear_time(hostile: str) -> None:
    # This thread's CPU, not the wall clock: a backtracking regex burns CPU, a busy machine only waits.
    start = time.thread_time()
    split_message(to_whatsapp(hostile))
    assert time.thread_time() - start < 1.0


def pieces(*tokens: str) -> st.SearchStrategy[str]:
    """Text built from Markdown-relevant tokens, so generated inputs exercise the rewriting rules."""
    return st.lists(st.sampled_from(tokens), max_size=120).map("".join)


@settings(deadline=None, max_examples=300)
@given(pieces(*"ab *_~`#|-+>[]()!\\\n\t.،؟مرحبا", "https://x.y/", "```", "**", "\n\n", "1. ", "---"))
def test_to_whatsapp_never_raises(markdown: str) -> None:
    assert isinstance(to_whatsapp(markdown), str)


@settings(deadline=None, max_examples=300)
@given(pieces(*"abc مرحبا\n\t.!?؟،;", "```", "\n\n", "\u0650", "\u200d", "👍🏽"), st.integers(1, 60))
def test_split_keeps_every_character_and_the_limit(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert all(0 < len(p) <= limit and p == p.strip() for p in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
