"""Hudhud's reference core API: the organization backend the exec bot's tools call over HTTP.

`create_app(settings)` builds the FastAPI app; `coreapi.server.run()` / `python -m coreapi` serve it;
`coreapi.seed.seed()` loads fixtures. See docs/coreapi.md.
"""
