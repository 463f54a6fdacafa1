"""Finding the person a message names: "Sara", "sara.a", "سارة", or an id.

Names come from what users type on WhatsApp, so matching forgives case and the usual Arabic spelling
variants (hamza forms of alef, taa marbuta, alef maqsura, diacritics). An exact name wins over a partial
one; two people who fit equally well are a 409 listing both, never a guess.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi.errors import ApiError, invalid, not_found
from coreapi.models import User
from coreapi.schemas import UserPublic

_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})


def normalize(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().strip().lstrip("@")
    text = _DIACRITICS.sub("", text).translate(_LETTERS)
    return " ".join(text.split())


def _exact(query: str, user: User) -> bool:
    return query in (normalize(user.username), normalize(user.display_name))


def _partial(query: str, user: User) -> bool:
    name = normalize(user.display_name)
    words = name.split()
    return (
        normalize(user.username).startswith(query)
        or any(w.startswith(query) for w in words)
        or (" " in query and query in name)
    )


async def resolve_user(session: AsyncSession, ref: int | str) -> User:
    """The one active user `ref` names, or 404 (nobody) / 409 (several) / 422 (deactivated)."""
    if isinstance(ref, int) or ref.strip().lstrip("#").isdigit():
        user_id = ref if isinstance(ref, int) else int(ref.strip().lstrip("#"))
        user = await session.get(User, user_id)
        if user is None:
            raise not_found("user_not_found", f"no user with id {user_id}", user_id=user_id)
        if not user.active:
            raise invalid(
                "assignee_deactivated", f"{user.display_name} is deactivated", name=user.display_name
            )
        return user

    query = normalize(ref)
    if not query:
        raise invalid("empty_name", "the person's name is empty")
    people = list(await session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)))
    for rule in (_exact, _partial):
        found = [u for u in people if rule(query, u)]
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(f"{u.display_name} (@{u.username})" for u in found[:10])
            raise ApiError(
                409,
                "ambiguous_user",
                f"{ref!r} matches several people: {names}; say which one",
                query=ref,
                candidates=[UserPublic.model_validate(u).model_dump() for u in found[:10]],
            )
    raise not_found("user_not_named", f"no user named {ref!r}", query=ref)
