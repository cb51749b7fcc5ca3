"""Reading a request's body no further than a limit, for every webhook."""

from __future__ import annotations

from starlette.requests import Request

__all__ = ["limited_body"]


async def limited_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (read no further than that)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
