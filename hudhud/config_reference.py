"""docs/configuration.md, generated: every setting's variable, type, default, description and what
staging and prod refuse.

Names, types, defaults and bounds come from the settings models (base/settings.py's sections and the
reference core API's coreapi/config.py); each description is the comment above the variable in
`.env.example`, which stays the one place settings are described in words. `hudhud config reference
--out docs/configuration.md` rewrites the page; tests/test_config_reference.py fails when the page and
the models part ways.
"""

from __future__ import annotations

import enum
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from base import settings as settings_module
from base.settings import Settings
from coreapi.config import CoreSettings
from hudhud.container import MIN_ADMIN_PASSWORD, MIN_ALERT_SECRET, MIN_SERVICE_TOKEN, PLACEHOLDER

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
PAGE = ROOT / "docs" / "configuration.md"


@dataclass(frozen=True)
class Refusal:
    """A value start-up refuses outside dev, with an example of it (the test tries each one)."""

    variable: str  # as operators write it
    rule: str  # what is refused, in words
    example: str | None  # a refused value; None = refused when unset


# What staging and prod refuse beyond a value's own bounds (hudhud/container.py check_security,
# memory/crypto.py, agent/agent.py agent_rules_off). Every secret is also refused while it still
# reads PLACEHOLDER.
REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        "WHATSAPP_APP_SECRET",
        "unset (unsigned webhooks); in dev too when the API listens beyond loopback",
        None,
    ),
    Refusal("HUDHUD_ENCRYPTION_KEY", "unset (dev generates one under HUDHUD_DATA_DIR)", None),
    Refusal(
        "HUDHUD_ADMIN_PASSWORD",
        f"shorter than {MIN_ADMIN_PASSWORD} characters or a common word",
        "changeme2026",
    ),
    Refusal("HUDHUD_CORE_API_TOKEN", f"shorter than {MIN_SERVICE_TOKEN} bytes", "short-token"),
    Refusal("HUDHUD_DISABLED_AGENT_RULES", "naming withhold_claims", "withhold_claims"),
    Refusal(
        "HUDHUD_ALERT_WEBHOOK_URL", "plain http to a host other than loopback", "http://alerts.example.com/h"
    ),
    Refusal("HUDHUD_ALERT_WEBHOOK_SECRET", f"shorter than {MIN_ALERT_SECRET} bytes", "short-secret"),
)

_SECTION_ROW = re.compile(r"^\| `(\w+)` \| (.+?) \|$", re.M)


def env_descriptions(text: str) -> dict[str, str]:
    """Variable -> the comment block above it in `.env.example`; consecutive variables share a block."""
    out: dict[str, str] = {}
    block: list[str] = []
    current = ""
    after_variable = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("# ---"):
            block, current, after_variable = [], "", False
        elif line.startswith("#"):
            if after_variable:
                block, after_variable = [], False
            block.append(line.lstrip("#").strip())
        elif "=" in line:
            if block:
                current, block = " ".join(block), []
            out[line.split("=", 1)[0].strip()] = current
            after_variable = True
    return out


def _type(annotation: Any, info: FieldInfo) -> str:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation is SecretStr:
        return "secret"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    pattern = next((getattr(m, "pattern", None) for m in info.metadata if getattr(m, "pattern", None)), None)
    choices = re.fullmatch(r"\^\(([\w|]+)\)\$", pattern or "")
    if choices:
        return " \\| ".join(f"`{c}`" for c in choices.group(1).split("|"))
    name = {bool: "boolean", int: "integer", float: "number", str: "text", Path: "path"}.get(annotation)
    return name or str(annotation)


def _bounds(info: FieldInfo) -> str:
    signs = {Ge: ("≥", "ge"), Gt: ("&gt;", "gt"), Le: ("≤", "le"), Lt: ("&lt;", "lt")}
    parts = [
        f"{sign} {getattr(m, attr)}"
        for m in info.metadata
        for kind, (sign, attr) in signs.items()
        if isinstance(m, kind)
    ]
    return ", ".join(parts)


def _default(info: FieldInfo) -> str:
    value = info.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, enum.Enum):
        value = value.value
    return f"`{value}`" if str(value) != "" else "empty"


def _row(variable: str, info: FieldInfo, described: dict[str, str], refused: dict[str, str]) -> str:
    kind = _type(info.annotation, info)
    bounds = _bounds(info)
    cells = [
        f"`{variable}`",
        f"{kind} ({bounds})" if bounds else kind,
        _default(info),
        described.get(variable, "").replace("|", "\\|"),
        refused.get(variable, ""),
    ]
    return "| " + " | ".join(cells) + " |"


_HEADER = "| Variable | Type | Default | Description | Staging and prod refuse |\n|---|---|---|---|---|"


def render(env_example: str | None = None) -> str:
    """The whole page (Markdown)."""
    described = env_descriptions(env_example if env_example is not None else ENV_EXAMPLE.read_text())
    refused = {r.variable: r.rule for r in REFUSALS}
    secret = f"the placeholder `{PLACEHOLDER}`"
    holds = dict(_SECTION_ROW.findall(settings_module.__doc__ or ""))
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by `hudhud config reference --out docs/configuration.md` from the settings models",
        "(base/settings.py, coreapi/config.py) and the comments of .env.example. Edit those, not this page:",
        "tests/test_config_reference.py fails when they disagree. -->",
        "",
        "Every setting is an environment variable (or a line of `.env` in the working directory; the",
        "environment wins). Empty means unset. An invalid value stops start-up with one line naming the",
        "variable. [.env.example](../.env.example) lists them all; `deploy/env/dev.env`, `staging.env` and",
        "`prod.env` are the per-environment files compose reads ([deployment](deployment.md)).",
        "",
        "## What staging and prod refuse",
        "",
        "`HUDHUD_ENV=staging` and `prod` stop at start-up, naming the variable, when a secret still",
        f"reads {secret} (what the per-environment files put in place of each secret), and when:",
        "",
        "| Variable | Refused |",
        "|---|---|",
        *(f"| `{r.variable}` | {r.rule} |" for r in REFUSALS),
        "",
        "In every environment the reference core API refuses a `COREAPI_JWT_SECRET` or",
        f"`COREAPI_SERVICE_TOKEN` shorter than {MIN_SERVICE_TOKEN} bytes. Values of type `secret` print as",
        "`**********`.",
    ]
    for name, section in Settings.SECTIONS.items():
        out += ["", f"## `{name}`: {holds.get(name, '')}".rstrip(": "), "", _HEADER]
        for info in section.model_fields.values():
            out.append(_row(str(info.validation_alias).upper(), info, described, refused))
    out += [
        "",
        "## The reference core API (`hudhud coreapi`)",
        "",
        "Read by the core API's own process (coreapi/config.py), which imports nothing of Hudhud; it also",
        "reads `HUDHUD_DATA_DIR` (its SQLite file when no database is set).",
        "",
        _HEADER,
    ]
    for field, info in CoreSettings.model_fields.items():
        if field == "hudhud_data_dir":
            continue
        variable = "COREAPI_DATABASE_URL" if field == "database_url" else field.upper()
        row = _row(variable, info, described, refused)
        if field == "database_url":
            row = row.replace("`COREAPI_DATABASE_URL`", "`COREAPI_DATABASE_URL`, else `DATABASE_URL`", 1)
        out.append(row)
    return "\n".join(out) + "\n"
