"""Signing in without a password: a link made for one person (by `python -m bot
coordinator link`, or printed as local mode starts), single use, good for 15 minutes.

Opening the link shows a "Sign in" button and changes nothing: a chat app fetching the
link for its preview must not use it up. Pressing the button uses the link (a sighting,
kept across processes) and sets the session cookie: signed, HttpOnly, SameSite=Lax,
Secure under https, for 12 hours. Signing out ends that session for good, even if its
cookie was copied. Sign-ins and sign-outs are in the audit log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.dashboard.guard import SIGNED_OUT, Form
from bot.channels.dashboard.keys import fresh_nonce
from bot.channels.dashboard.site import (
    COOKIE,
    LINK_LIFETIME,
    SESSION_LIFETIME,
    SIGNED_IN_ROLES,
    Site,
    Visitor,
    page,
)

__all__ = ["SignIn", "link_for", "sign_in_link"]

log = logging.getLogger(__name__)

USED_LINKS = "dashboard-link"
WHY = {"signed_out", "bye", "used", "expired"}


def sign_in_link(site: Site, person_id: int) -> str:
    """A link that signs this person in once, within LINK_LIFETIME."""
    expires = int((site.clock() + LINK_LIFETIME).timestamp())
    return site.link(site.keys.sign("link", str(person_id), str(expires), fresh_nonce()))


async def link_for(site: Site, name: str) -> str | None:
    """A sign-in link for the coordinator or committee member of that name, or None."""
    async with site.units() as uow:
        for role in sorted(SIGNED_IN_ROLES, reverse=True):
            for person in await uow.people.with_role(role):
                if person.name.casefold() == name.strip().casefold():
                    return sign_in_link(site, person.id)
    return None


class SignIn:
    """The sign-in pages and the sign-out button's endpoint."""

    def __init__(self, site: Site) -> None:
        self._site = site

    async def ask(self, request: Request) -> Response:
        why = request.query_params.get("why", "")
        return page(self._site, "signin.html", why=why if why in WHY else "")

    def _link(self, token: str) -> tuple[int, str] | None:
        """The person and nonce of a link still in date, or None."""
        parts = self._site.keys.read("link", token, 3)
        if parts is None or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        if datetime.fromtimestamp(int(parts[1]), UTC) <= self._site.clock():
            return None
        return int(parts[0]), parts[2]

    async def _who(self, person_id: int) -> str | None:
        async with self._site.units() as uow:
            person = await uow.people.get(person_id)
            if person is None or not await uow.people.roles(person_id) & SIGNED_IN_ROLES:
                return None
            return person.name

    async def open_link(self, request: Request) -> Response:
        """The link's page: who it signs in, and a button; nothing used up yet."""
        found = self._link(request.path_params["token"])
        name = await self._who(found[0]) if found else None
        if found is None or name is None:
            return page(self._site, "signin.html", status=400, why="expired")
        async with self._site.units() as uow:
            if await uow.records.seen(USED_LINKS, found[1]):
                return page(self._site, "signin.html", status=400, why="used")
        return page(self._site, "signin_confirm.html", name=name)

    async def use_link(self, request: Request) -> Response:
        found = self._link(request.path_params["token"])
        if found is None or await self._who(found[0]) is None:
            return page(self._site, "signin.html", status=400, why="expired")
        person_id, link_nonce = found
        session_nonce = fresh_nonce()
        async with self._site.units() as uow:
            if not await uow.records.first_sighting(USED_LINKS, link_nonce):
                return page(self._site, "signin.html", status=400, why="used")
            await uow.records.audit(person_id, "signed in to the web page")
            await uow.commit()
        expires = int((self._site.clock() + SESSION_LIFETIME).timestamp())
        cookie = self._site.keys.sign("session", str(person_id), str(expires), session_nonce)
        answer = RedirectResponse("/dashboard", status_code=303)
        answer.set_cookie(
            COOKIE,
            cookie,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=self._site.secure,
            path="/dashboard",
        )
        return answer

    async def sign_out(self, request: Request, visitor: Visitor, _form: Form) -> Response:
        parts = self._site.keys.read("session", request.cookies.get(COOKIE, ""), 3)
        async with self._site.units() as uow:
            if parts is not None:
                await uow.records.first_sighting(SIGNED_OUT, parts[2])
            await uow.records.audit(visitor.person_id, "signed out of the web page")
            await uow.commit()
        answer = RedirectResponse("/dashboard/signin?why=bye", status_code=303)
        answer.delete_cookie(COOKIE, path="/dashboard")
        return answer
