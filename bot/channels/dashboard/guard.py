"""Who may see a page and who may change anything: the signed cookie names the person and
the session; each request checks the person still holds a role that signs in, that the
session was not signed out, and, for a form, its CSRF token. Every refusal is a kind page
(or the sign-in page), and a page the database cannot serve just now says so: never a
500, never a traceback, nothing personal in the log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.dashboard.site import COOKIE, SIGNED_IN_ROLES, Site, Visitor, page
from bot.channels.request_body import limited_body

__all__ = ["SIGNED_OUT", "Form", "Handler", "guarded", "read_visitor", "session_nonce"]

log = logging.getLogger(__name__)

SIGNED_OUT = "dashboard-out"
"""Sightings source: sessions signed out before their cookie expires."""
LONGEST_FORM = 64_000
Form = dict[str, str]
Handler = Callable[[Request, Visitor, Form], Awaitable[Response]]


async def read_visitor(site: Site, request: Request) -> Visitor | None:
    """The signed-in person, or None (no cookie, a forged or expired one, signed out, or
    no longer a coordinator or committee member)."""
    parts = site.keys.read("session", request.cookies.get(COOKIE, ""), 3)
    if parts is None or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    person_id, expires, nonce = int(parts[0]), int(parts[1]), parts[2]
    if datetime.fromtimestamp(expires, UTC) <= site.clock():
        return None
    async with site.units() as uow:
        person = await uow.people.get(person_id)
        roles = frozenset(await uow.people.roles(person_id)) if person else frozenset()
        if person is None or not roles & SIGNED_IN_ROLES:
            return None
        if await uow.records.seen(SIGNED_OUT, nonce):
            return None
        return Visitor(person_id, person.name, roles, person.language, site.keys.csrf(nonce))


def session_nonce(site: Site, request: Request) -> str:
    """The signed-in session's own id (only on a page `guarded` let through)."""
    parts = site.keys.read("session", request.cookies.get(COOKIE, ""), 3)
    return parts[2] if parts else ""


def _form(body: bytes) -> Form | None:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[0] for name, values in fields.items()}


async def _checked(
    site: Site, request: Request, visitor: Visitor, handler: Handler, coordinators_only: bool
) -> Response:
    if coordinators_only and not visitor.coordinator:
        return page(site, "problem.html", visitor, 403, problem="dashboard.only_coordinator")
    form: Form = {}
    if request.method == "POST":
        body = await limited_body(request, LONGEST_FORM)
        found = _form(body) if body is not None else None
        if found is None:
            return page(site, "problem.html", visitor, 400, problem="dashboard.form_unread")
        nonce = session_nonce(site, request)
        if not nonce or not site.keys.csrf_matches(nonce, found.get("csrf", "")):
            return page(site, "problem.html", visitor, 403, problem="dashboard.form_old")
        form = found
    return await handler(request, visitor, form)


def guarded(
    site: Site, handler: Handler, coordinators_only: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for signed-in people only (`coordinators_only`: and only coordinators)."""

    async def endpoint(request: Request) -> Response:
        try:
            visitor = await read_visitor(site, request)
            if visitor is None:
                return RedirectResponse("/dashboard/signin?why=signed_out", status_code=303)
            return await _checked(site, request, visitor, handler, coordinators_only)
        except Exception as error:
            log.warning("dashboard page not served: %s", type(error).__name__)
            return page(site, "problem.html", None, 503, problem="dashboard.busy")

    return endpoint
