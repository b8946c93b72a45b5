"""A webhook / JSON-lines intake endpoint for data pushed by other tools (an ASGI app).

`POST /{name}` with a body in any format voxpop reads (detected by content, or `?format=NAME`)
stores its posts through the same ingest path as everything else, under the source
`intake:{name}`, and answers with what was stored. With a token configured, requests must carry
`Authorization: Bearer TOKEN`. `voxpop serve` mounts this app; tests run it under uvicorn.
"""

from __future__ import annotations

import hmac

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from voxpop.collect.state import SourceState, load_states
from voxpop.collect.writer import Writer, store_pages
from voxpop.errors import FormatError
from voxpop.sources import (
    READERS,
    SAMPLE_BYTES,
    Reader,
    Sample,
    get_reader,
)

__all__ = ["intake_app"]

KIND = "intake"


def intake_app(
    writer: Writer,
    *,
    token: str | None = None,
    max_bytes: int = 50_000_000,
    collection: str | None = None,
    pseudonymize_key: bytes | None = None,
) -> Starlette:
    states: dict[str, SourceState] = {}

    async def receive(request: Request) -> JSONResponse:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return JSONResponse({"error": f"body larger than {max_bytes} bytes"}, 413)
        body = await request.body()
        if len(body) > max_bytes:
            return JSONResponse({"error": f"body larger than {max_bytes} bytes"}, 413)
        if not body.strip():
            return JSONResponse({"error": "empty body"}, status_code=400)
        try:
            name = request.query_params.get("format")
            reader = get_reader(name) if name else _detect(body)
        except FormatError as exc:
            return JSONResponse({"error": str(exc)}, status_code=415)
        source = f"intake:{request.path_params['name']}"
        if source not in states:
            known = await writer.run(lambda store: load_states(store, KIND))
            states.setdefault(source, known.get(source) or SourceState(source=source, kind=KIND))
        run = await store_pages(
            writer,
            states[source],
            reader,
            [body],
            collection=collection,
            key=pseudonymize_key,
        )
        return JSONResponse(
            {
                "source": source,
                "format": reader.name,
                "records": run.records_read,
                "posts_read": run.posts_read,
                "posts_new": run.posts_new,
                "deletes": run.deletes,
                "dead_letters": run.dead_letters,
            }
        )

    return Starlette(routes=[Route("/{name:str}", receive, methods=["POST"])])


def _detect(body: bytes) -> Reader:
    sample = Sample(body[:SAMPLE_BYTES], complete=len(body) <= SAMPLE_BYTES)
    for reader in READERS:
        if reader.sniff(sample):
            return reader
    raise FormatError("no reader recognises this content; name one with ?format=NAME")
