"""AES-GCM at rest: format, keyring and rotation, associated data, key settings and the dev key file."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from base.settings import SettingsError
from hudhud.cli import app
from memory.crypto import KEY_FILE, Cipher, UndecryptableError, dev_key, generate_key, key_id, parse_key

AAD = "hudhud:hist:exec:966500000001:log"


def test_round_trip_and_format() -> None:
    key = generate_key()
    cipher = Cipher(key)
    value = cipher.encrypt("أضف مهمة: add a task", AAD)
    version, kid, body = value.split(".")
    assert version == "v1" and kid == cipher.key_id == key_id(base64.urlsafe_b64decode(key))
    assert len(kid) == 8 and "أضف" not in value and "task" not in value
    assert len(base64.urlsafe_b64decode(body)) == 12 + len("أضف مهمة: add a task".encode()) + 16
    assert cipher.decrypt(value, AAD) == "أضف مهمة: add a task"
    assert cipher.decrypt(value.encode(), AAD) == "أضف مهمة: add a task"


def test_every_value_has_its_own_nonce() -> None:
    cipher = Cipher(generate_key())
    assert cipher.encrypt("same", AAD) != cipher.encrypt("same", AAD)


def test_aad_binds_a_value_to_its_conversation() -> None:
    cipher = Cipher(generate_key())
    value = cipher.encrypt("secret", AAD)
    with pytest.raises(UndecryptableError, match="failed authentication"):
        cipher.decrypt(value, "hudhud:hist:exec:966500000002:log")


def test_tampered_or_malformed_values_are_undecryptable() -> None:
    cipher = Cipher(generate_key())
    value = cipher.encrypt("secret", AAD)
    middle = len(value) - 20  # inside the tag; the last characters may only hold ignored padding bits
    flipped = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
    for bad in (flipped, value[:-8], f"{value}!!", "plain text", "v2.x.y", "v1..abc"):
        with pytest.raises(UndecryptableError):
            cipher.decrypt(bad, AAD)


def test_rotation_old_key_still_reads_new_writes_use_current() -> None:
    key_a, key_b = generate_key(), generate_key()
    old_value = Cipher(key_a).encrypt("written under A", AAD)
    rotated = Cipher(key_b, [key_a])
    assert rotated.decrypt(old_value, AAD) == "written under A"
    assert rotated.key_ids == [Cipher(key_a).key_id, rotated.key_id]
    new_value = rotated.encrypt("written under B", AAD)
    assert new_value.split(".")[1] == rotated.key_id
    # without A: a typed error naming the missing key, not a crash
    with pytest.raises(UndecryptableError, match=Cipher(key_a).key_id):
        Cipher(key_b).decrypt(old_value, AAD)


def test_reencrypt_moves_a_value_to_the_current_key() -> None:
    key_a, key_b = generate_key(), generate_key()
    old_value = Cipher(key_a).encrypt("move me", AAD)
    rotated = Cipher(key_b, [key_a])
    assert rotated.needs_reencrypt(old_value)
    moved = rotated.reencrypt(old_value.encode(), AAD)
    assert not rotated.needs_reencrypt(moved)
    assert Cipher(key_b).decrypt(moved, AAD) == "move me"
    assert rotated.reencrypt(moved, AAD) == moved  # already current: untouched
    assert rotated.reencrypt(moved.encode(), AAD) == moved
    with pytest.raises(UndecryptableError):
        Cipher(key_b).reencrypt(old_value, AAD)


@pytest.mark.parametrize(
    "bad",
    ["", "short", "not base64 at all!!", base64.urlsafe_b64encode(b"x" * 16).decode(),
     base64.urlsafe_b64encode(b"x" * 33).decode()],
)  # fmt: skip
def test_malformed_key_is_a_one_line_settings_error(bad: str) -> None:
    with pytest.raises(SettingsError) as info:
        Cipher(bad)
    message = str(info.value)
    assert message.startswith("invalid setting HUDHUD_ENCRYPTION_KEY:") and "\n" not in message
    assert "hudhud keygen" in message


def test_malformed_old_key_names_its_variable() -> None:
    with pytest.raises(SettingsError, match="HUDHUD_ENCRYPTION_OLD_KEYS"):
        Cipher(generate_key(), ["nope"])
    with pytest.raises(SettingsError, match="HUDHUD_ENCRYPTION_KEY"):
        Cipher(b"too short")


def test_keys_accept_raw_bytes_and_missing_padding() -> None:
    raw = os.urandom(32)
    text = base64.urlsafe_b64encode(raw).decode()
    assert parse_key(text.rstrip("=")) == raw == parse_key(f"  {text}\n")
    assert Cipher(raw).key_id == Cipher(text).key_id


def _cipher(settings) -> Cipher:
    return Cipher.from_settings(settings.memory, settings.runtime)


def test_from_settings_uses_the_configured_keys(settings_factory) -> None:
    key_a, key_b = generate_key(), generate_key()
    value = Cipher(key_a).encrypt("x", AAD)
    cipher = _cipher(settings_factory(hudhud_encryption_key=key_b, hudhud_encryption_old_keys=f" {key_a} , "))
    assert cipher.key_id == Cipher(key_b).key_id
    assert cipher.decrypt(value, AAD) == "x"
    with pytest.raises(SettingsError, match="HUDHUD_ENCRYPTION_OLD_KEYS"):
        _cipher(settings_factory(hudhud_encryption_key=key_b, hudhud_encryption_old_keys="bad"))


def test_dev_key_is_generated_once_and_private(settings_factory, tmp_path: Path) -> None:
    settings = settings_factory(hudhud_env="dev", hudhud_data_dir=tmp_path / "fresh" / "data")
    first = _cipher(settings)
    path = tmp_path / "fresh" / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = _cipher(settings)  # a restart reads the same key: old values stay readable
    assert again.key_id == first.key_id
    assert again.decrypt(first.encrypt("kept", AAD), AAD) == "kept"
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temporary file left behind


def test_corrupt_dev_key_file_is_named(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("garbage\n")
    with pytest.raises(SettingsError, match=KEY_FILE):
        dev_key(tmp_path)


@pytest.mark.parametrize("env", ["prod", "staging"])
def test_missing_key_outside_dev_is_refused(settings_factory, tmp_path: Path, env: str) -> None:
    with pytest.raises(SettingsError) as info:
        _cipher(settings_factory(hudhud_env=env, hudhud_data_dir=tmp_path / "d"))
    assert str(info.value).startswith("invalid setting HUDHUD_ENCRYPTION_KEY: required when HUDHUD_ENV=")
    assert not (tmp_path / "d").exists()  # no key silently generated


def test_keygen_prints_a_usable_key() -> None:
    result = CliRunner().invoke(app, ["keygen"])
    assert result.exit_code == 0
    key = result.output.strip()
    assert len(parse_key(key)) == 32
    assert key != CliRunner().invoke(app, ["keygen"]).output.strip()


def test_dev_key_race_keeps_the_first_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = dev_key(tmp_path)
    # another process links its key between our existence check and our link: theirs is used
    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert dev_key(tmp_path) == first
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE]
