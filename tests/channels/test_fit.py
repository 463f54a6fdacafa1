"""Reply parts are channel-neutral; WhatsApp fits them to its limits instead of failing at send time."""

from __future__ import annotations

from base.channel import LIST_BUTTON, degrade
from base.turn import Button, ButtonsPart, ChannelLimits, ListPart, ListRow, ListSection, TextPart
from channels.whatsapp.channel import LIMITS
from channels.whatsapp.payloads import buttons_payload, list_payload


def _whatsapp():
    from channels.whatsapp.channel import WhatsAppChannel

    return WhatsAppChannel.__new__(WhatsAppChannel)  # fit needs no bots, pool or secret


def _buttons(n: int, title: str = "Option") -> ButtonsPart:
    return ButtonsPart(
        text="Which one?", buttons=[Button(id=f"b{i}", title=f"{title} {i}") for i in range(n)]
    )


def test_more_buttons_than_whatsapp_shows_become_a_list() -> None:
    [part] = _whatsapp().fit([_buttons(5)])
    assert isinstance(part, ListPart) and part.button == LIST_BUTTON and part.text == "Which one?"
    assert [r.id for r in part.sections[0].rows] == [f"b{i}" for i in range(5)]
    list_payload("966500000001", part.text, part.button, part.sections)  # Graph's rules hold


def test_three_buttons_stay_buttons_and_long_titles_are_shortened() -> None:
    [part] = _whatsapp().fit([_buttons(3, title="A very long option title")])
    assert isinstance(part, ButtonsPart)
    assert [len(b.title) <= 20 and b.title.endswith("…") for b in part.buttons] == [True] * 3
    buttons_payload("966500000001", part.text, part.buttons)


def test_a_list_longer_than_ten_rows_says_the_rest_as_text() -> None:
    rows = [
        ListRow(id=f"r{i}", title=f"Task number {i} with a long title", description="d" * 100)
        for i in range(12)
    ]
    part = ListPart(text="Your tasks", button="Open the list of tasks", sections=[ListSection(rows=rows)])
    listed, rest = _whatsapp().fit([part])
    assert isinstance(listed, ListPart) and isinstance(rest, TextPart)
    kept = listed.sections[0].rows
    assert len(kept) == 10 and all(len(r.title) <= 24 and len(r.description or "") <= 72 for r in kept)
    assert len(listed.button) <= 20
    assert rest.text == "• Task number 10 with a long title\n• Task number 11 with a long title"


def test_a_long_text_above_buttons_is_sent_whole_first() -> None:
    long = "word " * 400
    text, buttons = _whatsapp().fit([ButtonsPart(text=long, buttons=[Button(id="y", title="Yes")])])
    assert isinstance(text, TextPart) and text.text == long.strip()
    assert isinstance(buttons, ButtonsPart) and len(buttons.text) <= LIMITS.buttons_body


def test_text_is_converted_and_split_for_whatsapp() -> None:
    parts = _whatsapp().fit([TextPart(text="**bold** " + "x" * 5000)])
    assert parts[0].text == "*bold*" and all(len(p.text) <= 4096 for p in parts)
    assert "".join(p.text for p in parts[1:]) == "x" * 5000


def test_another_channels_limits_are_its_own() -> None:
    tight = ChannelLimits(buttons=2, button_title=5, list_rows=2, row_title=5)
    listed, rest = degrade([_buttons(3)], tight)
    assert isinstance(listed, ListPart) and [r.title for r in listed.sections[0].rows] == ["Opti…", "Opti…"]
    assert rest == TextPart(text="• Option 2")
