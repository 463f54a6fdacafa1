"""Python functions as tools, for logic no spec can express.

    from hudhud import ToolKit

    kit = ToolKit()

    @kit.tool(description="today's exchange rate of a currency to SAR")
    async def exchange_rate(currency: str) -> str:
        return f"1 {currency} = 3.75 SAR"

Point HUDHUD_TOOLS at the kit ("myapp.tools:kit"). The function's parameters become the tool's
arguments (their annotations pick the normalizer kind: `date` → dates resolved in code, `int` →
task ids and numbers, `bool`, anything else text); it gets the calling Turn if it asks for `turn`.
The result (text, a dict, or a list of dicts) is the reply. Role checks, confirmation and the trace
apply as for every tool.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, get_type_hints

from base.turn import Turn
from tools.base import ToolCall, ToolResult
from tools.spec import ArgKind, ArgSpec, Role, ToolSpec

ToolFunction = Callable[..., Awaitable[Any]]

_KINDS: dict[Any, ArgKind] = {dt.date: "date", int: "task_id", bool: "boolean"}


class ToolKit:
    def __init__(self) -> None:
        self.specs: dict[str, ToolSpec] = {}
        self.functions: dict[str, ToolFunction] = {}

    def tool(
        self,
        *,
        description: str,
        name: str | None = None,
        role: Role = "member",
        confirm: bool = False,
        reply: dict[str, str] | None = None,
    ) -> Callable[[ToolFunction], ToolFunction]:
        def register(fn: ToolFunction) -> ToolFunction:
            if not inspect.iscoroutinefunction(fn):
                raise TypeError(f"tool {fn.__name__} must be an async function")
            hints = get_type_hints(fn)
            args: dict[str, ArgSpec] = {}
            for param in inspect.signature(fn).parameters.values():
                if param.name == "turn":
                    continue
                kind = _KINDS.get(hints.get(param.name), "text")
                args[param.name] = ArgSpec(
                    kind=kind, description=param.name.replace("_", " "), required=param.default is param.empty
                )
            spec = ToolSpec(
                name=name or fn.__name__, description=description, args=args, role=role,
                confirm=confirm, reply=reply or {},
            )  # fmt: skip
            self.specs[spec.name] = spec
            self.functions[spec.name] = fn
            return fn

        return register

    async def run(self, call: ToolCall, turn: Turn) -> ToolResult:
        fn = self.functions[call.name]
        kwargs = dict(call.args)
        if "turn" in inspect.signature(fn).parameters:
            kwargs["turn"] = turn
        for key, value in list(kwargs.items()):
            if self.specs[call.name].args.get(key, ArgSpec(description="")).kind == "date" and isinstance(
                value, str
            ):
                kwargs[key] = dt.date.fromisoformat(value)
        try:
            result = await fn(**kwargs)
        except Exception as exc:
            return ToolResult(ok=False, error=str(exc) or type(exc).__name__)
        if isinstance(result, str):
            return ToolResult(ok=True, reply=result)
        return ToolResult(ok=True, data=result)


class KitExecutor:
    """Runs a kit's Python tools itself and hands every other call to the core API executor."""

    def __init__(self, kit: ToolKit, inner: Any | None) -> None:
        self.kit = kit
        self.inner = inner

    async def execute(self, call: ToolCall, turn: Turn) -> ToolResult:
        if call.name in self.kit.functions:
            spec = self.kit.specs[call.name]
            if spec.role != "member" or spec.confirm:
                # Anything beyond a public read needs the user's identity: the core API executor's rules.
                if self.inner is None:
                    return ToolResult(ok=False, error=f"{call.name} needs a linked account")
                from tools.executor import ROLE_RANK

                link = await self.inner.links.user_for(turn.user.wa_id)
                if link is None or ROLE_RANK.get(link.role or "member", 0) < ROLE_RANK[spec.role]:
                    return ToolResult(ok=False, error=f"not allowed — {call.name} needs the {spec.role} role")
            return await self.kit.run(call, turn)
        if self.inner is None:
            return ToolResult(ok=False, error="not_connected")
        result: ToolResult = await self.inner.execute(call, turn)
        return result


def load_kit(spec: str) -> ToolKit:
    import importlib

    module_name, _, attr = spec.partition(":")
    kit = getattr(importlib.import_module(module_name), attr or "kit")
    if not isinstance(kit, ToolKit):
        raise TypeError(f"{spec} is not a ToolKit")
    return kit
