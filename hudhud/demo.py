"""A demo organization in the embedded core API, so a newcomer's first `make run` has something to talk
about: people in two teams, a dozen tasks in Arabic and English, and the number `hudhud chat` and the
dashboard's playground use linked to one of them.

Idempotent: the demo people are found by username, so a second run adds nothing. Dev only: staging and
production hold an organization's real people, never these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from base.keys import Keys
from base.settings import Environment, Settings

DEMO_NUMBER = "966500000001"  # the number the docs chat as (`hudhud chat --as 966500000001`)
DEMO_USER = "sara"  # the person that number is

PEOPLE: tuple[dict[str, Any], ...] = (
    {"username": "sara", "display_name": "سارة القحطاني", "role": "manager", "team": "ops", "language": "ar"},
    {"username": "khalid", "display_name": "خالد العتيبي", "team": "ops", "language": "ar"},
    {"username": "noura", "display_name": "نورة الشهري", "team": "ops", "language": "ar"},
    {"username": "omar", "display_name": "Omar Haddad", "role": "manager", "team": "sales", "language": "en"},
    {"username": "lina", "display_name": "Lina Mansour", "team": "sales", "language": "en"},
    {"username": "james", "display_name": "James Carter", "team": "sales", "language": "en"},
)
TASKS: tuple[dict[str, Any], ...] = (
    {"title": "تجهيز عرض الاجتماع الشهري", "created_by": "sara", "assignee": "sara", "due_in_days": 1,
     "priority": "high"},
    {"title": "مراجعة عقد المورد الجديد", "created_by": "sara", "assignee": "khalid", "due_in_days": 3},
    {"title": "تحديث جدول المناوبات", "created_by": "sara", "assignee": "noura", "due_in_days": -2},
    {"title": "طلب قطع غيار للمستودع", "created_by": "khalid", "assignee": "khalid", "due_in_days": 5,
     "priority": "low"},
    {"title": "إعداد تقرير الحوادث الأسبوعي", "created_by": "sara", "assignee": "noura", "due_in_days": 0,
     "priority": "high"},
    {"title": "تدريب الموظفين الجدد على النظام", "created_by": "sara", "assignee": "sara", "due_in_days": 7},
    {"title": "أرشفة ملفات الربع الماضي", "created_by": "noura", "assignee": "noura", "status": "done"},
    {"title": "Send the Q3 proposal to Al-Noor", "created_by": "omar", "assignee": "lina", "due_in_days": 2,
     "priority": "high"},
    {"title": "Follow up with the Riyadh client", "created_by": "omar", "assignee": "james",
     "due_in_days": -1},
    {"title": "Update the price list", "created_by": "lina", "assignee": "lina", "due_in_days": 4},
    {"title": "Book the trade-show booth", "created_by": "omar", "assignee": "omar", "due_in_days": 10,
     "priority": "low"},
    {"title": "Share the sales figures with ops", "created_by": "omar", "assignee": "sara", "due_in_days": 3},
)  # fmt: skip


class DemoRefused(RuntimeError):
    """Why no demo is seeded (one line)."""


@dataclass(frozen=True)
class DemoResult:
    people: int  # added now (0: they were there)
    tasks: int
    number: str
    user_id: int

    def line(self, url: str) -> str:
        said = f"added {self.people} people and {self.tasks} tasks" if self.people else "already seeded"
        return (
            f"Demo organization {said}; {self.number} is {DEMO_USER} (user {self.user_id}). Start chatting: "
            f"`hudhud chat --as {self.number}` or {url}/admin/playground"
        )


def core_settings(settings: Settings) -> Any:
    """The embedded core API's settings as hudhud/embedded_core.py gives them: its database (under
    HUDHUD_DATA_DIR unless DATABASE_URL says otherwise) and its first admin."""
    from coreapi.config import CoreSettings

    return CoreSettings(  # type: ignore[call-arg]
        _env_file=None,
        hudhud_data_dir=settings.runtime.data_dir,
        database_url=settings.core.database_url,
        coreapi_admin_password=settings.admin.password,
    )


def refusal(settings: Settings) -> str | None:
    if settings.runtime.env != Environment.dev:
        return f"the demo organization is for dev only (HUDHUD_ENV={settings.runtime.env.value})"
    if settings.core.url:
        return "CORE_API_URL points at another core API: the demo seeds only the embedded one"
    return None


async def is_empty(database_url: str) -> bool:
    """No task and no one but the first admin: a core API nobody has used yet."""
    from coreapi.db import Database
    from coreapi.models import Task, User

    db = Database(database_url)
    try:
        await db.create_all()
        async with db.sessions() as session:
            tasks = await session.scalar(select(func.count()).select_from(Task))
            people = await session.scalar(select(func.count()).select_from(User).where(User.role != "admin"))
        return not tasks and not people
    finally:
        await db.dispose()


async def seed_demo(settings: Settings, redis: Any) -> DemoResult:
    """Add the demo organization (once) and link the demo number to its user, here and in the core API."""
    from coreapi.clock import utcnow
    from coreapi.db import Database
    from coreapi.models import Link, User
    from coreapi.seed import ensure_admin, seed
    from memory.links import IdentityLinks

    why = refusal(settings)
    if why:
        raise DemoRefused(why)
    core = core_settings(settings)
    db = Database(core.sqlalchemy_url)
    try:
        await db.create_all()
        async with db.sessions() as session:
            await ensure_admin(session, core)  # as the core API's own start would, had it run first
            names = [p["username"] for p in PEOPLE]
            there = set(await session.scalars(select(User.username).where(User.username.in_(names))))
            added = [p for p in PEOPLE if p["username"] not in there]
            result = await seed(session, added, TASKS if not there else (), commit=False)
            user = await session.scalar(select(User).where(User.username == DEMO_USER))
            assert user is not None
            link = await session.get(Link, DEMO_NUMBER)
            if link is None:
                session.add(Link(wa_id=DEMO_NUMBER, user_id=user.id, linked_at=utcnow()))
            elif link.user_id is None:
                link.user_id, link.linked_at = user.id, utcnow()
            await session.commit()
            user_id, role, shown = user.id, user.role, user.display_name
    finally:
        await db.dispose()
    links = IdentityLinks(redis, Keys(settings.queue.redis_prefix))
    current = await links.get(DEMO_NUMBER)
    if current is None or current.user_id is None:
        await links.link(DEMO_NUMBER, user_id, display_name=shown, role=role)
    return DemoResult(len(added), len(result.tasks), DEMO_NUMBER, user_id)
