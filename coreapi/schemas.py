"""Request and response bodies. Requests forbid unknown fields so a typo is a 422, not a silent no-op."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from coreapi.models import Language, Priority, Role, Status

# Ids are INTEGER columns (the smallest of SQLite's and PostgreSQL's): a larger number names no row and is
# answered 422 like any invalid value, never handed to the database to overflow (a 500).
MAX_ID = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Username = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),  # before the pattern check
    StringConstraints(pattern=r"^[a-z0-9_.-]{2,64}$"),
]
WaId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5,20}$")]
PersonRef = Annotated[
    RowId | Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)],
    Field(description="A user id, or a username / display name (matched case-insensitively)"),
]


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- auth ---


class TokenRequest(RequestBody):
    user_id: RowId = Field(description="The linked user Hudhud acts as")


class LoginRequest(RequestBody):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


class TokenOut(Out):
    access_token: str
    expires_in: int = Field(description="Seconds until the token expires")
    token_type: Literal["bearer"] = "bearer"


# --- users ---


class UserPublic(Out):
    id: int
    username: str
    display_name: str
    team: str | None


class UserOut(UserPublic):
    role: Role
    timezone: str
    language: Language
    active: bool
    created_at: datetime


class UserList(Out):
    items: list[UserPublic]


class UserCreate(RequestBody):
    username: Username
    display_name: Text300
    role: Role = Role.member
    team: str | None = Field(None, max_length=100)
    timezone: str | None = Field(None, description="IANA zone; the server's default when omitted")
    language: Language = Language.ar
    password: str | None = Field(None, min_length=8, max_length=200)
    active: bool = True


class UserUpdate(RequestBody):
    display_name: Text300 | None = None
    role: Role | None = None
    team: str | None = Field(None, max_length=100)
    timezone: str | None = None
    language: Language | None = None
    password: str | None = Field(None, min_length=8, max_length=200)
    active: bool | None = None


# --- tasks ---


class CommentOut(Out):
    id: int
    task_id: int
    author_id: int
    author: UserPublic
    text: str
    created_at: datetime


class TaskOut(Out):
    id: int
    title: str
    description: str
    status: Status
    priority: Priority
    due_date: date | None
    overdue: bool = Field(description="Due before today (in the caller's time zone) and not done")
    assignee_id: int | None
    assignee: UserPublic | None
    created_by: int
    creator: UserPublic
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    comments: list[CommentOut] | None = Field(None, description="Only in single-task responses")


class TaskList(Out):
    items: list[TaskOut]
    total: int = Field(description="Matching tasks, ignoring limit/offset")
    limit: int
    offset: int


class TaskCreate(RequestBody):
    title: Text300
    description: str = Field("", max_length=10_000)
    priority: Priority = Priority.normal
    due_date: date | None = None
    assignee: PersonRef | None = None


class TaskUpdate(RequestBody):
    title: Text300 | None = None
    description: str | None = Field(None, max_length=10_000)
    due_date: date | None = Field(None, description="null clears the due date")
    priority: Priority | None = None
    status: Status | None = None


class AssignRequest(RequestBody):
    assignee: PersonRef


class CommentCreate(RequestBody):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


MAX_BULK = 50  # tasks per bulk call: enough for "all my overdue tasks", small enough to confirm


class CompleteTasksRequest(RequestBody):
    task_ids: list[RowId] = Field(
        min_length=1,
        max_length=MAX_BULK,
        description=f"The tasks to mark done (at most {MAX_BULK}); all of them or none",
    )


class TasksCompleted(Out):
    count: int
    tasks: list[TaskOut] = Field(description="The completed tasks, in the order asked")


class Deleted(Out):
    id: int
    deleted: Literal[True] = True
    restorable_until: datetime | None = Field(
        None, description="Until when POST /tasks/{id}/restore can bring it back (the trash is purged after)"
    )


# --- reports and audit ---


class AssigneeCount(Out):
    assignee_id: int | None
    display_name: str | None
    total: int
    open: int
    in_progress: int
    done: int
    overdue: int


class Summary(Out):
    scope: Literal["own", "team", "all"]
    as_of: date = Field(description="The caller's today, against which overdue is counted")
    total: int
    by_status: dict[Status, int]
    by_assignee: list[AssigneeCount]
    overdue: int


class AuditOut(Out):
    id: int
    actor_id: int | None
    action: str
    entity: str
    task_id: int | None
    subject: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


class AuditList(Out):
    items: list[AuditOut]
    limit: int
    offset: int


# --- links ---

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class LinkCodeOut(Out):
    code: str = Field(description="Eight digits, single use")
    expires_at: datetime
    expires_in: int


class RedeemRequest(RequestBody):
    code: str = Field(
        max_length=32, description="As the user typed it; Arabic-Indic digits and spaces are fine"
    )
    wa_id: WaId

    @field_validator("code")
    @classmethod
    def _digits(cls, value: str) -> str:
        return "".join(ch for ch in value.translate(_ARABIC_DIGITS) if not ch.isspace() and ch != "-")


class LinkUpsert(RequestBody):
    user_id: RowId


class LinkOut(Out):
    wa_id: str
    user_id: int | None
    user: UserPublic | None = None
    blocked: bool
    linked_at: datetime | None
    updated_at: datetime


class LinkList(Out):
    items: list[LinkOut]


class Unlinked(Out):
    wa_id: str
    unlinked: bool


class Forgotten(Out):
    """What `forget_wa_id` removed: rows deleted, or (audit entries, used codes) stripped of the number."""

    wa_id: str
    links: int
    link_attempts: int
    link_codes: int
    audit_entries: int
    idempotency_records: int
