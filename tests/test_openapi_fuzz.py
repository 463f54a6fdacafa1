"""schemathesis over the OpenAPI documents of the service and of the reference core API, each served
over loopback: every operation gets generated requests (valid and invalid, a few each, so the run
stays well under a minute) and none may answer 5xx. The core API's requests go as nobody, as a user,
as an admin and with the service token, so the handlers behind authentication run too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coreapi.app import create_app as create_core_app
from coreapi.db import Database
from coreapi.seed import seed
from coreapi.tokens import TokenIssuer
from hudhud.app import create_app
from tests.coreapi.conftest import JWT_SECRET, PEOPLE, SERVICE_TOKEN, TASKS, make_settings
from tests.helpers import live

EXAMPLES = 6  # per operation and way of calling it


def server_errors(url: str, headers: list[dict[str, str]]) -> tuple[int, list[str]]:
    """Every operation of the document at `url`, called `EXAMPLES` times; (operations, 5xx answers)."""
    schema = schemathesis.openapi.from_url(url + "/openapi.json", headers=headers[-1])
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES * len(headers),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), extra=st.sampled_from(headers))
        def call(case: schemathesis.Case, extra: dict[str, str]) -> None:
            response = case.call(base_url=url, headers=extra, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.as_curl_command(headers=extra)}")

        call()
    return operations, failures


@pytest.fixture
def service(settings_factory, tmp_path: Path) -> Iterator[str]:
    # Dev with no admin password: loopback clients reach the admin API, so it is fuzzed too. Server-side
    # knowledge-base paths are confined to an empty root (dev's default root is the working directory,
    # and a generated "" would ingest the whole checkout). A worker makes the group /readyz looks for.
    (tmp_path / "kb").mkdir()
    settings = settings_factory(hudhud_max_body_bytes=64_000, hudhud_kb_root=tmp_path / "kb")
    with live(create_app(settings, workers=1)) as server:
        yield server.url


@pytest.fixture
async def core_api(tmp_path: Path) -> tuple[str, list[dict[str, str]]]:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'core.db'}", tmp_path)
    app = create_core_app(settings)
    db = Database(settings.sqlalchemy_url)
    await db.create_all()
    async with db.sessions() as session:
        people = (await seed(session, PEOPLE, TASKS)).users
    await db.dispose()
    issuer = TokenIssuer(JWT_SECRET, 600)
    headers = [
        {},
        {"Authorization": f"Bearer {issuer.issue(people['sara'].id).access_token}"},
        {"Authorization": f"Bearer {SERVICE_TOKEN}"},
        {"Authorization": f"Bearer {issuer.issue(people['admin'].id).access_token}"},
    ]
    return app, headers  # type: ignore[return-value]


def test_service_openapi_operations_never_answer_5xx(service: str) -> None:
    operations, failures = server_errors(service, [{}])
    assert operations >= 10
    assert failures == []


def test_core_api_openapi_operations_never_answer_5xx(core_api) -> None:
    app, headers = core_api
    with live(app) as server:
        operations, failures = server_errors(server.url, headers)
    assert operations >= 20
    assert failures == []
