"""One error shape for every failure: {"detail": <a sentence>, "code": <a word>, ...extra}.

`detail` is what FastAPI clients already read, in English; `code` names the case (`task_not_found`,
`assign_not_yours`, …) and the extra fields carry the values the sentence names (`task_id`, `name`), so
Hudhud words each error in its user's language by code (base/locales, docs/catalog.md).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, **self.extra}


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, "unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


# Every refusal names its case with a stable code (and the values its sentence names as extra fields), so
# a client words it in its user's language without parsing the English `detail` (docs/catalog.md).


def forbidden(code: str, detail: str, **extra: Any) -> ApiError:
    return ApiError(403, code, detail, **extra)


def not_found(code: str, detail: str, **extra: Any) -> ApiError:
    return ApiError(404, code, detail, **extra)


def invalid(code: str, detail: str, **extra: Any) -> ApiError:
    return ApiError(422, code, detail, **extra)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "due_date") -> "due_date"; ("query", "status", 0) -> "status[0]"; a missing body -> "body"
    name = ""
    for part in loc:
        if part in ("body", "query", "path", "header") and not name:
            continue
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or str(loc[0] if loc else "request")


def _validation_message(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    items = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors]
    return "; ".join(f"{i['field']}: {i['message']}" for i in items), items


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message, items = _validation_message(list(exc.errors()))
        return JSONResponse(
            {"detail": f"invalid request: {message}", "code": "validation_error", "errors": items},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"detail": str(exc.detail), "code": code},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
