"""The coordinator's web page in tests (no tests here): a browser-like client on the
club's one web app (httpx over ASGI, cookies kept), signed in by a link as a person
presses it, and the CSRF token read off a page as a browser's form would carry it."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import func, select

from bot.bootstrap import Club
from bot.channels.dashboard import link_for
from storage.models import Broadcast

__all__ = ["ADDRESS", "broadcasts", "browser", "csrf_of", "path_of", "sign_in"]

ADDRESS = "http://127.0.0.1:8000"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@contextlib.asynccontextmanager
async def browser(club: Club) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=club.web)
    async with httpx.AsyncClient(transport=transport, base_url=ADDRESS) as client:
        yield client


def path_of(link: str) -> str:
    return link.removeprefix(ADDRESS)


async def sign_in(club: Club, client: httpx.AsyncClient, name: str = "Sam") -> str:
    """Sign `name` in by a fresh link; returns the session's CSRF token."""
    link = await link_for(club.site, name)
    assert link is not None, name
    answer = await client.post(path_of(link))
    assert answer.status_code == 303, answer.text
    return csrf_of((await client.get("/dashboard/today")).text)


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, "the page has a form with its CSRF token"
    return found.group(1)


async def broadcasts(club: Club) -> int:
    async with club.units() as uow:
        return int(await uow.session.scalar(select(func.count(Broadcast.id))) or 0)
