"""`python -m coreapi [--host H] [--port P]`."""

from __future__ import annotations

import argparse

from coreapi.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m coreapi", description="Hudhud's reference core API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    run(args.host, args.port)


if __name__ == "__main__":
    main()  # pragma: no cover - `python -m coreapi`; main() itself is tested
