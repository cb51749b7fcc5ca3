"""twilio-python's async HTTP client on httpx, sending to TWILIO_BASE_URL when it is set
(a Twilio-compatible provider, or the fake in the tests)."""

from __future__ import annotations

import logging

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

from bot.channels.twilio.errors import TIMEOUT_SECONDS

__all__ = ["TWILIO_API", "BaseUrlHttpClient"]

TWILIO_API = "https://api.twilio.com"

log = logging.getLogger(__name__)


class BaseUrlHttpClient(AsyncHttpClient):  # type: ignore[misc]
    def __init__(self, base_url: str | None = None, timeout: float = TIMEOUT_SECONDS):
        super().__init__(log, True, timeout)
        self._base_url = base_url.rstrip("/") if base_url else None
        self._client = httpx.AsyncClient(timeout=timeout)

    def _rewrite(self, url: str) -> str:
        if self._base_url and url.startswith(TWILIO_API):
            return self._base_url + url[len(TWILIO_API) :]
        return url

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio-python's signature
        allow_redirects: bool = False,
    ) -> Response:
        response = await self._client.request(
            method.upper(),
            self._rewrite(url),
            params=params,  # type: ignore[arg-type]
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        return Response(response.status_code, response.text, response.headers)

    async def close(self) -> None:
        await self._client.aclose()
