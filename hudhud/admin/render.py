"""Server-side HTML: one Jinja2 environment (autoescaped) over templates/, and the headers every
dashboard page carries (a strict Content-Security-Policy: scripts and styles from /admin/static only)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hudhud.admin.auth import Principal

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# The navigation: (path, label, least role). A page group adds a row here and a module beside this one.
NAV: tuple[tuple[str, str, str], ...] = (
    ("/admin", "Overview", "viewer"),
    ("/admin/users", "Users", "viewer"),
    ("/admin/conversations", "Conversations", "viewer"),
    ("/admin/dead", "Dead letters", "viewer"),
    ("/admin/bots", "Bots", "viewer"),
    ("/admin/evals", "Evals", "viewer"),
    ("/admin/playground", "Playground", "admin"),
    ("/admin/accounts", "Accounts", "admin"),
    ("/admin/audit", "Audit", "admin"),
)

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(ts: float | str | None) -> str:
    if not ts:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(ts))) + " UTC"


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


_env.filters["when"] = _when
_env.filters["pct"] = _pct
_env.filters["ago"] = _ago


def page(
    request: Request, template: str, principal: Principal | None = None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    nav = [
        (path, label)
        for path, label, role in NAV
        if principal is not None and (role == "viewer" or principal.role == "admin")
    ]
    context.setdefault("note", request.query_params.get("note", ""))
    html = _env.get_template(template).render(
        request=request, me=principal, nav=nav, path=request.url.path, status=status, **context
    )
    return HTMLResponse(
        html, status_code=status, headers={"content-security-policy": CSP, "cache-control": "no-store"}
    )


def back(path: str, note: str = "", **query: str) -> RedirectResponse:
    """After a change, back to a page (303: the browser asks it with GET), with a one-line note and
    the page's own query parameters."""
    params = {**query, "note": note} if note else query
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=303)
