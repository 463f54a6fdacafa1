"""Bot profiles: which prompt set and which tools a number's turns use.

The product has two bots: `exec` (commands as tools) and `query` (answers over the knowledge base).
A number's profile comes from the bots configuration; `default` has both capabilities.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    persona: str  # prompt name
    tools: tuple[str, ...] | None  # None: every registered tool; () : none (answers only)


PROFILES: dict[str, Profile] = {
    "exec": Profile("exec", "persona.exec", None),
    "query": Profile("query", "persona.query", ()),
    "default": Profile("default", "persona.exec", None),
}


def get_profile(name: str) -> Profile:
    return PROFILES.get(name, PROFILES["default"])
