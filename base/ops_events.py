"""What the service tells its operators: one event in the `ops` stream (base/keys.py `Keys.ops`).

Alert rules read the stream and forward events (to a webhook, to admins); this model is the whole
contract between the writer (hudhud/undelivered.py) and them. An event names no person: `conv` is the
bot number and the keyed hash of the user's number (`u:<hmac>`, the one the logs use), never the number.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field

OpsKind = Literal["delivery_failed"]


class OpsEvent(BaseModel):
    kind: OpsKind
    conv: str  # "<phone_number_id>:u:<keyed hash of the user's number>"
    trace_id: str = ""  # the inbound message's trace (base/turn.py trace_id), as in every log line
    turn_id: str = ""
    code: int | None = None  # Graph's error code, when Graph gave one
    http_status: int | None = None
    reason: str = ""  # what gave up: "dead_letter" (retries spent) or the error kind Graph refused with
    notified: bool = False  # whether the user got a notice
    ts: float = Field(default_factory=time.time)

    def to_fields(self) -> dict[str, str]:
        """The stream entry's fields: every value a string, unset ones left out."""
        data = self.model_dump(exclude_none=True)
        return {k: str(int(v) if isinstance(v, bool) else v) for k, v in data.items()}

    @classmethod
    def from_fields(cls, fields: dict[bytes, bytes] | dict[str, str]) -> OpsEvent:
        """An event read back from the stream (XRANGE/XREAD fields, bytes or str)."""
        data = {_text(k): _text(v) for k, v in fields.items()}
        return cls.model_validate({**data, "notified": data.get("notified") == "1"})


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
