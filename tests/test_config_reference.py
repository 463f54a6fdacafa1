"""docs/configuration.md is what the settings models and .env.example say (`hudhud config reference`), and
every refusal it lists is what start-up does."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.agent import agent_rules_off
from base.settings import VARIABLES, Settings, SettingsError
from hudhud.cli import app
from hudhud.config_reference import ENV_EXAMPLE, PAGE, REFUSALS, env_descriptions, render
from hudhud.container import check_security
from memory.crypto import Cipher, generate_key

runner = CliRunner()


def test_the_page_is_generated_from_the_models() -> None:
    regenerate = "hudhud config reference --out docs/configuration.md"
    assert PAGE.read_text(encoding="utf-8") == render(), (
        f"the page drifted from the settings: run `{regenerate}`"
    )


def test_every_setting_is_on_the_page_with_a_description() -> None:
    described = env_descriptions(ENV_EXAMPLE.read_text())
    page = render()
    for variable in VARIABLES:
        assert f"| `{variable.upper()}` |" in page
        assert described.get(variable.upper()), f"{variable.upper()} has no comment in .env.example"


def test_descriptions_are_the_comment_above_each_variable() -> None:
    example = "# --- a ---\n# One.\nA=1\n# Two,\n# shared.\nB=\nC=x\n\nD=\n# Three.\nE=3\n"
    assert env_descriptions(example) == {
        "A": "One.",
        "B": "Two, shared.",
        "C": "Two, shared.",
        "D": "",
        "E": "Three.",
    }


def test_the_cli_writes_and_checks_the_page(tmp_path: Path) -> None:
    out = tmp_path / "configuration.md"
    assert runner.invoke(app, ["config", "reference", "--out", str(out), "--check"]).exit_code == 1
    assert not out.exists()
    assert runner.invoke(app, ["config", "reference", "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == render()
    assert runner.invoke(app, ["config", "reference", "--out", str(out), "--check"]).exit_code == 0
    out.write_text(render().replace("HUDHUD_LEASE_MS", "HUDHUD_LEASE"), encoding="utf-8")
    failed = runner.invoke(app, ["config", "reference", "--out", str(out), "--check"])
    assert failed.exit_code == 1 and "hudhud config reference --out" in failed.output
    printed = runner.invoke(app, ["config", "reference"])
    assert printed.exit_code == 0 and printed.stdout == render()


GOOD = {
    "whatsapp_app_secret": "s" * 32,
    "hudhud_encryption_key": generate_key(),
    "hudhud_admin_password": "sand-dune-orbit-42",
    "hudhud_core_api_token": "t" * 32,
    "hudhud_disabled_agent_rules": "capabilities",
    "hudhud_alert_webhook_url": "https://alerts.example.com/hudhud",
    "hudhud_alert_webhook_secret": "a" * 32,
}


def _start_up(settings: Settings, listen_host: str) -> None:
    """The checks that hold the refusals the page lists (as the service and the factory run them)."""
    check_security(settings, listen_host=listen_host)
    Cipher.from_settings(settings.memory, settings.runtime)
    try:
        agent_rules_off(settings.model.disabled_rules, env=settings.runtime.env.value)
    except ValueError as exc:
        raise SettingsError(f"invalid setting HUDHUD_DISABLED_AGENT_RULES: {exc}") from None


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.variable)
def test_each_listed_refusal_is_what_staging_and_prod_do(refusal, tmp_path: Path) -> None:
    variable = refusal.variable.lower()
    values = {**GOOD, "hudhud_data_dir": tmp_path, variable: refusal.example}
    for env in ("staging", "prod"):
        settings = Settings(_env_file=None, hudhud_env=env, **values)  # type: ignore[call-arg]
        with pytest.raises(SettingsError, match=f"^invalid setting {refusal.variable}: "):
            _start_up(settings, "127.0.0.1")
        _start_up(settings.replace(**{variable: GOOD.get(variable)}), "127.0.0.1")  # the good value passes
    _start_up(Settings(_env_file=None, hudhud_env="dev", **values), "127.0.0.1")  # type: ignore[call-arg]
