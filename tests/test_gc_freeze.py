"""Start-up objects are frozen out of the collector only where a served process starts: its main thread."""

from __future__ import annotations

import threading

import pytest

from hudhud import app


def test_frozen_on_the_main_thread_only(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(app.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(app.gc, "freeze", lambda: calls.append("freeze"))
    assert app.freeze_startup_objects() is True
    assert calls == ["collect", "freeze"]
    calls.clear()
    from_thread: list[bool] = []
    thread = threading.Thread(target=lambda: from_thread.append(app.freeze_startup_objects()))
    thread.start()
    thread.join()
    assert from_thread == [False] and calls == []
