"""Stand-ins for the outside world on loopback, each in its own child process: a model provider that
answers after a fixed latency, and Meta's Graph API (the tests' fake, failing a share of calls).

- model: an OpenAI-compatible `/v1/chat/completions` that waits `latency_ms`, then answers in text
  "Reply to <refs>." naming every message reference (`REF`, e.g. `M000042`) of the last user message,
  so whoever reads the delivered replies knows which messages each one answered (merged turns name
  several). Tool calls are never made: every turn takes the agent's answer path.
- graph: tests/fake_graph.py's FakeGraph with `fail_ratio` (random 5xx and 429, nothing delivered on
  those), plus `GET /_fake/drain`: the messages delivered since the last drain as
  `[[time, to, text], ...]` and counts, then forgotten (a long soak keeps no growing list).

`python bench/standins.py model|graph --port P [--latency-ms 20 | --fail-ratio 0.2]` serves one;
`start_model` / `start_graph` start them from a benchmark.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchkit import REPO, Child, free_port, serve, start_child

REF = re.compile(r"\bM\d{6}\b")
GRAPH_VERSION = "v25.0"


def ref(n: int) -> str:
    return f"M{n:06d}"


# --------------------------------------------------------------------------------------------------
# The model provider


def model_app(latency_ms: float) -> Any:
    import asyncio

    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def completions(request: Request) -> Response:
        body = orjson.loads(await request.body())
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        content = users[-1].get("content", "") if users else ""
        if isinstance(content, list):  # content parts
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        refs = REF.findall(str(content))
        await asyncio.sleep(latency_ms / 1000)
        message = {"role": "assistant", "content": f"Reply to {', '.join(refs) or 'you'}."}
        payload = {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "standin"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
        return Response(orjson.dumps(payload), media_type="application/json")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


# --------------------------------------------------------------------------------------------------
# The Graph API


def serve_graph(port: int, fail_ratio: float, seed: int) -> None:
    import random
    import threading

    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from tests.fake_graph import FakeGraph

    class DrainableGraph(FakeGraph):
        def _app(self) -> Any:
            app = super()._app()
            app.router.routes.insert(0, Route("/_fake/drain", self._drain, methods=["GET"]))
            return app

        async def _drain(self, request: Request) -> Response:
            with self._lock:
                rows = [
                    [at, p.get("to", ""), (p.get("text") or {}).get("body", "")]
                    for at, p in zip(self.delivered_at, self.delivered, strict=True)
                ]
                counts = {"requests": len(self.requests), "failed_at_random": self.failed_at_random}
                self.delivered.clear()
                self.delivered_at.clear()
                self.requests.clear()
                self.failed_at_random = 0
            return JSONResponse({"delivered": rows, **counts})

    graph = DrainableGraph()
    graph.fail_ratio = fail_ratio
    graph._rng = random.Random(seed)
    graph.start(port)
    threading.Event().wait()  # until the parent stops this process


class Graph(Child):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{GRAPH_VERSION}"

    def drain(self) -> dict[str, Any]:
        import httpx

        return httpx.get(f"http://127.0.0.1:{self.port}/_fake/drain", timeout=30).json()


class Model(Child):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _start(kind: str, *extra: str) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    process = start_child(
        [sys.executable, str(Path(__file__).resolve()), kind, "--port", str(port), *extra],
        name=f"{kind} stand-in",
        port=port,
        tail=lambda p: "",
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    return port, process


def start_model(latency_ms: float) -> Model:
    return Model(*_start("model", "--latency-ms", str(latency_ms)))


def start_graph(fail_ratio: float, seed: int = 0) -> Graph:
    return Graph(*_start("graph", "--fail-ratio", str(fail_ratio), "--seed", str(seed)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=("model", "graph"))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--fail-ratio", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.kind == "model":
        serve(model_app(args.latency_ms), args.port, lifespan="off")
    else:
        serve_graph(args.port, args.fail_ratio, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
