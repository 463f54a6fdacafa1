"""The guides keep up with the code: every command and option of the CLI and every name of the public
API is explained in a guide, the README's webhook is signed the way the server checks, and the
statements that once drifted (tool mode `auto`, commands "not connected", the admin password's
dashboard) say what the code does."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import typer

import hudhud
from channels.whatsapp.signature import verify_signature
from hudhud.app import create_app
from hudhud.cli import app
from hudhud.config_reference import ENV_EXAMPLE, env_descriptions
from tests.cli_lines import ROOT, fenced_lines

# The guides: README.md and docs/*.md, less the page generated from the settings.
GUIDES = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    if p.name != "configuration.md"
)

# Options no guide needs to name: "command option" -> why. None today.
UNDOCUMENTED: dict[str, str] = {}


def _leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if hasattr(node, "commands"):
        return [leaf for name, child in node.commands.items() for leaf in _leaves(child, (*path, name))]
    return [(path, node)]


def test_every_cli_command_and_option_is_in_a_guide() -> None:
    missing = []
    for path, command in _leaves(typer.main.get_command(app)):
        name = "hudhud " + " ".join(path)
        if name not in GUIDES:
            missing.append(name)
        for param in command.params:
            for option in (o for o in param.opts if o.startswith("--") and o != "--help"):
                if option not in GUIDES and f"{name} {option}" not in UNDOCUMENTED:
                    missing.append(f"{name} {option}")
    assert missing == []


def test_every_public_name_is_in_a_guide() -> None:
    assert [name for name in hudhud.__all__ if name not in GUIDES] == []


def test_the_readme_webhook_is_signed_as_the_server_checks() -> None:
    block = "\n".join(line for _, line in fenced_lines((ROOT / "README.md").read_text()))
    recipe = block[block.index("body='") : block.index("\n", block.index("sig=$("))]
    assert '-H "X-Hub-Signature-256: sha256=$sig"' in block and '--data-binary "$body"' in block
    out = subprocess.run(
        ["bash", "-c", f'{recipe}\nprintf "%s\\n%s" "$sig" "$body"'],
        env={"WHATSAPP_APP_SECRET": "s3cret", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sig, body = out.split("\n", 1)
    assert verify_signature(b"s3cret", body.encode(), f"sha256={sig}")
    assert not verify_signature(b"another", body.encode(), f"sha256={sig}")


def test_tool_mode_auto_is_described_as_the_probe_does() -> None:
    described = env_descriptions(ENV_EXAMPLE.read_text())["HUDHUD_TOOL_MODE"]
    agent_md = (ROOT / "docs" / "agent.md").read_text()
    for text in (described, agent_md):
        assert "probe" in text  # agent/probe.py: a remote endpoint is probed, not assumed native
    assert "native for an OPENAI_BASE_URL model" not in described


def test_not_connected_is_said_only_of_a_missing_core_api() -> None:
    for paragraph in re.split(r"\n\s*\n", GUIDES):
        if "not connected" in paragraph:
            assert "CORE_API_URL" in paragraph, paragraph


def test_the_admin_password_names_only_what_exists(tmp_path) -> None:
    from base.settings import Settings

    settings = Settings(_env_file=None, hudhud_data_dir=tmp_path, hudhud_responder="none")  # type: ignore[call-arg]
    from fastapi.routing import iter_route_contexts

    app = create_app(settings)
    paths = list(app.openapi()["paths"])
    described = env_descriptions(ENV_EXAMPLE.read_text())["HUDHUD_ADMIN_PASSWORD"]
    assert "/admin/api" in described and any(p.startswith("/admin/api") for p in paths)
    # The dashboard's pages are left out of the OpenAPI document (they answer HTML): look at the routes.
    if not any(route.path == "/admin" for route in iter_route_contexts(app.routes)):
        assert "dashboard" not in described.lower()
