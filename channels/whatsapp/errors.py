"""Graph API errors and what to do about them.

`classify` maps an error code (and the HTTP status, when there is one) to an `ErrorKind` that says
what the caller should do: wait and retry, wait for this one recipient and retry, retry soon, fall
back to a template, give up on this recipient, alert an operator, or give up on this message. It is
pure so that the status-webhook handler can classify `statuses[].errors[]`, which carry the same
codes but no HTTP status.

=============================  =============  ================================================
code (HTTP status)             kind           why
=============================  =============  ================================================
4, 613, 80007, 130429, 131048  throttled      app / WABA / number rate limits and the spam
                                              rate limit. Succeeds after waiting.
131056                         pair_limited   pair rate limit: too many messages from this
                                              number to this one user. Succeeds after a
                                              back-off for that recipient only (the pacer's,
                                              channels/whatsapp/pacing.py; `PairRateLimited`).
1, 2, 131000, 131016           transient      unknown / temporary Graph error, "something
(5xx, 429, network error)                     went wrong", service unavailable. Retry soon.
131047                         reengagement   more than 24 hours since the user last wrote:
                                              only a template can be sent now.
131026                         undeliverable  the recipient cannot receive it (not on
                                              WhatsApp, old app, blocked us). Retrying the
                                              same message will not help.
190, 102, 3, 10, 200-299       auth           token expired/invalid or missing permission:
(0 or any code with 401)                      every call will fail until an operator acts.
100, 131008, 131009, 131021,   permanent      the request itself is wrong (bad parameter,
131051, 132000, 132001,                       missing parameter, recipient is the sender,
133010, anything else 4xx                     unsupported type, template params/name,
                                              number not registered). Do not retry.
=============================  =============  ================================================

An error code wins over the HTTP status: Graph sends throttling codes with HTTP 400 and some
permanent codes with HTTP 500.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    throttled = "throttled"
    pair_limited = "pair_limited"
    transient = "transient"
    permanent = "permanent"
    reengagement = "reengagement"
    undeliverable = "undeliverable"
    auth = "auth"


THROTTLING_CODES = frozenset({4, 613, 80007, 130429, 131048})
PAIR_RATE_LIMIT_CODE = 131056
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016})
AUTH_CODES = frozenset({3, 10, 102, 190}) | frozenset(range(200, 300))
PERMANENT_CODES = frozenset({100, 131008, 131009, 131021, 131051, 132000, 132001, 133010})
REENGAGEMENT_CODE = 131047
UNDELIVERABLE_CODE = 131026


def classify(code: int | None, http_status: int | None = None) -> ErrorKind:
    """What kind of failure an error code (and/or HTTP status) is; see the module docstring."""
    if code is not None:
        if code in THROTTLING_CODES:
            return ErrorKind.throttled
        if code == PAIR_RATE_LIMIT_CODE:
            return ErrorKind.pair_limited
        if code in TRANSIENT_CODES:
            return ErrorKind.transient
        if code == REENGAGEMENT_CODE:
            return ErrorKind.reengagement
        if code == UNDELIVERABLE_CODE:
            return ErrorKind.undeliverable
        if code in AUTH_CODES or http_status == 401:
            return ErrorKind.auth
        if code in PERMANENT_CODES:
            return ErrorKind.permanent
    if http_status is None:
        # No response at all is a network error; a code we do not know (webhook statuses carry no
        # HTTP status) is safest treated as final rather than retried forever.
        return ErrorKind.transient if code is None else ErrorKind.permanent
    if http_status == 401:
        return ErrorKind.auth
    if http_status == 429 or http_status >= 500:
        return ErrorKind.transient
    return ErrorKind.permanent


def retryable(kind: ErrorKind) -> bool:
    """Whether sending the same request again later can succeed."""
    return kind in (ErrorKind.throttled, ErrorKind.pair_limited, ErrorKind.transient)


class GraphError(Exception):
    """A failed Graph API call: an error body, a bad HTTP status, or no response at all."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        code: int | None = None,
        subcode: int | None = None,
        title: str | None = None,
        fbtrace_id: str | None = None,
        details: str | None = None,
        retry_after: float | None = None,
        kind: ErrorKind | None = None,
    ) -> None:
        self.message = message
        self.http_status = http_status
        self.code = code
        self.subcode = subcode
        self.title = title
        self.fbtrace_id = fbtrace_id
        self.details = details
        self.retry_after = retry_after
        self.kind = kind if kind is not None else classify(code, http_status)
        super().__init__(str(self))

    @property
    def retryable(self) -> bool:
        return retryable(self.kind)

    def __str__(self) -> str:
        where = []
        if self.http_status is not None:
            where.append(f"HTTP {self.http_status}")
        if self.code is not None:
            where.append(f"code {self.code}" + (f"/{self.subcode}" if self.subcode is not None else ""))
        text = f"Graph {self.kind} error" + (f" ({', '.join(where)})" if where else "") + f": {self.message}"
        if self.details and self.details.casefold() != self.message.casefold():
            text += f" - {self.details}"
        return text

    @classmethod
    def from_error_object(
        cls, error: dict[str, Any], *, http_status: int | None = None, retry_after: float | None = None
    ) -> GraphError:
        """Build from Graph's `{"error": {...}}` object or a webhook `statuses[].errors[]` entry.

        The two differ slightly: API errors have `type`, `error_subcode`, `error_user_title` and
        `fbtrace_id`; webhook errors have `title`. Both have `code`, `message` and `error_data.details`.
        """
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        title = error.get("error_user_title") or error.get("title") or error.get("type")
        message = error.get("message") or error.get("error_user_msg") or title or "unknown Graph error"
        code = _int_or_none(error.get("code"))
        made = PairRateLimited if cls is GraphError and code == PAIR_RATE_LIMIT_CODE else cls
        return made(
            str(message),
            http_status=http_status,
            code=code,
            subcode=_int_or_none(error.get("error_subcode")),
            title=str(title) if title is not None else None,
            fbtrace_id=error.get("fbtrace_id"),
            details=str(details) if details is not None else None,
            retry_after=retry_after,
        )


class PairRateLimited(GraphError):
    """131056: this number sent too many messages to this one user. Graph refused the message (it was not
    sent), so sending it again after a back-off for this recipient delivers it once."""


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
