"""The knowledge base's admin HTTP API, served by the real app on loopback (real Redis, real Chroma,
real embeddings): auth, every endpoint, and clear 4xx answers to bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hudhud.app import create_app
from memory import kb_api
from memory.crypto import generate_key
from tests.helpers import LiveServer, live
from tests.memory.pdf import SHIPPING, minimal_pdf

DOCS = Path(__file__).resolve().parent.parent / "fixtures" / "kb" / "docs"
PASSWORD = "correct horse battery"
AUTH = ("admin", PASSWORD)


@pytest.fixture
def server(settings_factory) -> Iterator[LiveServer]:
    app = create_app(settings_factory(hudhud_admin_password=PASSWORD, hudhud_kb_threshold=0.09))
    with live(app) as s:
        yield s


def test_requires_the_admin_password(server: LiveServer) -> None:
    url = f"{server.url}/admin/api/kb/documents"
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Basic")
    assert "HUDHUD_ADMIN_PASSWORD" in missing.json()["detail"]
    assert httpx.get(url, auth=("admin", "wrong")).status_code == 401
    assert httpx.get(url, auth=("root", PASSWORD)).status_code == 401
    assert httpx.get(url, auth=AUTH).json() == {"documents": []}


def test_upload_list_search_remove(server: LiveServer) -> None:
    with httpx.Client(base_url=f"{server.url}/admin/api/kb", auth=AUTH, timeout=60) as http:
        pdf = http.put("/documents/guides/shipping.pdf", content=minimal_pdf(SHIPPING, title="Shipping"))
        assert pdf.status_code == 200, pdf.text
        assert pdf.json()["added"] == ["guides/shipping.pdf"] and pdf.json()["chunks"] == 1
        again = http.put("/documents/guides/shipping.pdf", content=minimal_pdf(SHIPPING, title="Shipping"))
        assert again.json()["unchanged"] == ["guides/shipping.pdf"]
        internal = http.put(
            "/documents/oncall.md",
            params={"visibility": "internal"},
            content=(DOCS / "oncall.md").read_bytes(),
        )
        assert internal.json()["added"] == ["oncall.md"]

        docs = http.get("/documents").json()["documents"]
        assert [(d["source"], d["visibility"]) for d in docs] == [
            ("guides/shipping.pdf", "public"),
            ("oncall.md", "internal"),
        ]
        hits = http.get("/search", params={"q": "كم يستغرق التوصيل داخل السعودية؟"}).json()["hits"]
        assert hits[0]["source"] == "guides/shipping.pdf" and hits[0]["relevance"] >= 0.09
        assert set(hits[0]) >= {"id", "source", "section", "text", "score", "relevance", "visibility"}
        assert http.get("/search", params={"q": "What is the capital of Japan?"}).json() == {"hits": []}
        public = http.get(
            "/search", params={"q": "database failover", "visibility": "public", "threshold": -1}
        ).json()["hits"]
        assert [h["source"] for h in public] == ["guides/shipping.pdf"]

        removed = http.delete("/documents/guides/shipping.pdf")
        assert removed.json() == {"source": "guides/shipping.pdf", "removed": 1}
        gone = http.delete("/documents/guides/shipping.pdf")
        assert gone.status_code == 404 and "no document named 'guides/shipping.pdf'" in gone.json()["detail"]


def test_add_server_side_paths(server: LiveServer) -> None:
    answer = httpx.post(
        f"{server.url}/admin/api/kb/documents",
        json={"paths": [str(DOCS / "ar"), str(DOCS / "missing.md")]},
        auth=AUTH,
        timeout=60,
    )
    assert answer.status_code == 200
    report = answer.json()
    assert report["added"] == ["ar/leave.md"]
    assert report["errors"] == [{"source": str(DOCS / "missing.md"), "reason": "no such file or directory"}]


def test_bad_input_gets_clear_4xx(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb_api, "MAX_BYTES", 1000)  # the app runs in this process: the limit is shared
    with httpx.Client(base_url=f"{server.url}/admin/api/kb", auth=AUTH, timeout=60) as http:
        cases = [
            (http.put("/documents/setup.exe", content=b"MZ"), 415, "setup.exe: unsupported file type"),
            (http.put("/documents/notes.md", content=b""), 400, "empty body"),
            (
                http.put("/documents/broken.pdf", content=b"%PDF-1.4 junk"),
                422,
                "broken.pdf: not a readable PDF",
            ),
            (http.put("/documents/big.txt", content=b"x" * 1001), 413, "document too large"),
            (
                http.put("/documents/big.txt", content=iter([b"x" * 600, b"x" * 600])),
                413,
                "document too large",
            ),
            (http.put("/documents/%2E", content=b"x"), 400, "invalid document name"),
            (http.get("/search"), 400, "the query parameter q is required"),
        ]
        for response, status, detail in cases:
            assert response.status_code == status, response.text
            assert str(response.json()["detail"]).startswith(detail), response.text
        assert http.get("/search", params={"q": "x", "visibility": "secret"}).status_code == 422
        assert http.get("/search", params={"q": "x", "k": 0}).status_code == 422
        assert http.post("/documents", json={"paths": []}).status_code == 422
        assert http.put("/documents/a.md", params={"visibility": "secret"}, content=b"# a").status_code == 422


async def test_without_a_password_only_loopback_and_never_in_prod(settings_factory) -> None:
    app = create_app(settings_factory())
    outside = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=outside, base_url="http://hudhud") as http:
        refused = await http.get("/admin/api/kb/documents")
    assert refused.status_code == 403 and "loopback" in refused.json()["detail"]

    prod = create_app(settings_factory(hudhud_env="prod"))
    loopback = httpx.ASGITransport(app=prod, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=loopback, base_url="http://hudhud") as http:
        disabled = await http.get("/admin/api/kb/documents")
    assert disabled.status_code == 403 and "set HUDHUD_ADMIN_PASSWORD" in disabled.json()["detail"]


def test_without_a_password_loopback_is_let_in(settings_factory) -> None:
    app = create_app(settings_factory())
    with live(app) as s:
        assert httpx.get(f"{s.url}/admin/api/kb/documents").json() == {"documents": []}
        assert app.state.knowledge is not None  # opened lazily by the first request…
    assert app.state.knowledge is None  # …and closed with the container


def test_a_store_that_cannot_open_is_a_503(settings_factory, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    # A key of its own: the development key would be kept in that data directory.
    app = create_app(settings_factory(hudhud_data_dir=blocker, hudhud_encryption_key=generate_key()))
    with live(app) as s:
        answer = httpx.get(f"{s.url}/admin/api/kb/documents")
    assert answer.status_code == 503 and "cannot open the embedded Chroma store" in answer.json()["detail"]


def test_server_paths_are_read_only_under_the_kb_root(settings_factory, tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "team").mkdir(parents=True)
    (root / "team" / "faq.md").write_text("# FAQ\n\nThe office opens at 8.")
    secret = tmp_path / "secret.md"
    secret.write_text("# Not for the bot\n\npassword=hunter2")
    (root / "link.md").symlink_to(secret)  # a link inside the root that points out of it
    (root / "team" / "inner.md").symlink_to(secret)  # and one inside a folder that is added
    app = create_app(settings_factory(hudhud_admin_password=PASSWORD, hudhud_kb_root=root))
    with (
        live(app) as server,
        httpx.Client(base_url=f"{server.url}/admin/api/kb", auth=AUTH, timeout=60) as http,
    ):
        added = http.post("/documents", json={"paths": [str(root / "team")]})
        assert added.status_code == 200 and added.json()["added"] == ["team/faq.md"]
        assert [e["reason"] for e in added.json()["errors"]] == [f"links outside {root.resolve()}"]
        for outside in (str(secret), str(root / ".." / "secret.md"), str(root / "link.md"), "/etc/passwd"):
            refused = http.post("/documents", json={"paths": [str(root / "team"), outside]})
            assert refused.status_code == 403 and "outside HUDHUD_KB_ROOT" in refused.json()["detail"]
        listed = [d["source"] for d in http.get("/documents").json()["documents"]]
        assert listed == ["team/faq.md"]  # nothing of a refused request was ingested


def test_without_a_kb_root_outside_dev_server_paths_are_off(settings_factory) -> None:
    app = create_app(
        settings_factory(hudhud_env="staging", hudhud_admin_password="sand-dune-orbit-42",
                         hudhud_encryption_key="k" * 43 + "=")
    )  # fmt: skip
    with live(app) as server:
        refused = httpx.post(
            f"{server.url}/admin/api/kb/documents", json={"paths": ["docs/kb"]},
            auth=("admin", "sand-dune-orbit-42"), timeout=60,
        )  # fmt: skip
    assert refused.status_code == 403 and "set HUDHUD_KB_ROOT" in refused.json()["detail"]
