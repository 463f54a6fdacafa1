"""The leave-requests API the test pack's tools call: the same contract as the core API (a service token
exchanged for a per-user token at /auth/token, operations found by operationId in /openapi.json, errors
with a machine-readable `code`), in memory."""

from __future__ import annotations

import secrets
from datetime import date

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

SERVICE_TOKEN = "leave-service-token-0123456789abcdefghijkl"


class TokenRequest(BaseModel):
    user_id: int


class LeaveIn(BaseModel):
    start_date: date
    end_date: date
    kind: str = "annual"


def create_app() -> FastAPI:
    app = FastAPI()
    tokens: dict[str, int] = {}
    requests: dict[int, dict[str, object]] = {}

    def user_of(authorization: str | None) -> int:
        user = tokens.get((authorization or "").removeprefix("Bearer "))
        if user is None:
            raise HTTPException(401, "unknown token")
        return user

    @app.post("/auth/token")
    async def token(body: TokenRequest, authorization: str | None = Header(None)) -> dict[str, object]:
        if authorization != f"Bearer {SERVICE_TOKEN}":
            raise HTTPException(401, "not the service")
        value = secrets.token_hex(8)
        tokens[value] = body.user_id
        return {"access_token": value, "expires_in": 900}

    @app.post("/leave", operation_id="request_leave")
    async def request_leave(body: LeaveIn, authorization: str | None = Header(None)) -> object:
        user = user_of(authorization)
        if body.end_date < body.start_date:
            return JSONResponse({"code": "leave_dates", "detail": "ends before it starts"}, 422)
        made = {"id": len(requests) + 1, "user": user, "state": "pending", **body.model_dump(mode="json")}
        requests[int(made["id"])] = made
        return made

    @app.get("/leave", operation_id="list_leave")
    async def list_leave(authorization: str | None = Header(None)) -> dict[str, object]:
        user = user_of(authorization)
        return {"items": [r for r in requests.values() if r["user"] == user]}

    @app.post("/leave/{request_id}/cancel", operation_id="cancel_leave")
    async def cancel_leave(request_id: int, authorization: str | None = Header(None)) -> object:
        user = user_of(authorization)
        found = requests.get(request_id)
        if found is None or found["user"] != user:
            return JSONResponse({"code": "leave_not_found", "detail": "no such request"}, 404)
        found["state"] = "cancelled"
        return found

    app.state.requests = requests
    return app
