"""Notices: write one, choose who gets it, see it as each channel will show it, send it,
and follow it out. Counting, queueing and the quiet hours are the same code the chat flow
and `python -m bot broadcast` use (`bot/service/broadcasts.py`); a notice sent twice by a
double press of "Send" goes once (the preview's id is used up by the first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.dashboard.guard import Form
from bot.channels.dashboard.keys import fresh_nonce
from bot.channels.dashboard.notice_preview import as_shown, when_words
from bot.channels.dashboard.site import Site, Visitor, page
from bot.service.broadcast_progress import read_progress
from bot.service.broadcasts import Sending, count_reached, queue_broadcast
from conversations import Moment, SendNotice
from storage import UnitOfWork
from storage.audiences import AUDIENCES
from storage.models import Person

__all__ = ["LONGEST_NOTICE", "Draft", "Notices"]

LONGEST_NOTICE = 1000
"""As in the chat flow and the command line."""
SENT_DRAFTS = "dashboard-notice"


@dataclass(frozen=True)
class Problem:
    """What is wrong with a notice: a catalogue text and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Draft:
    words: str
    audience: str
    activity: str | None
    urgent: bool


def read_draft(form: Form, activities: list[str]) -> tuple[Draft, Problem | None]:
    """The form's notice, and what is wrong with it (a catalogue key and its values)."""
    words = " ".join(form.get("words", "").split())
    group = form.get("audience", "")
    activity = form.get("activity", "").strip().lower() or None
    draft = Draft(words, group, activity if group == "activity" else None, "urgent" in form)
    if not words:
        return draft, Problem("dashboard.notice_empty")
    if len(words) > LONGEST_NOTICE:
        return draft, Problem("notice.too_long", {"longest": LONGEST_NOTICE})
    if group not in AUDIENCES:
        return draft, Problem("dashboard.notice_who")
    if group == "activity" and activity not in activities:
        return draft, Problem("notice.activity_unknown")
    return draft, None


class Notices:
    def __init__(self, site: Site) -> None:
        self._site = site

    async def _activities(self, uow: UnitOfWork) -> list[str]:
        return [a.key for a in await uow.club.activities()]

    async def _form(
        self, visitor: Visitor, draft: Draft | None, problem: Problem | None, status: int
    ) -> Response:
        async with self._site.units() as uow:
            activities = await self._activities(uow)
        return page(
            self._site,
            "notices.html",
            visitor,
            status,
            here="notices",
            draft=draft,
            problem=problem,
            audiences=AUDIENCES,
            activities=activities,
            longest=LONGEST_NOTICE,
        )

    async def write(self, _request: Request, visitor: Visitor, _form: Form) -> Response:
        return await self._form(visitor, None, None, 200)

    async def preview(self, _request: Request, visitor: Visitor, form: Form) -> Response:
        site = self._site
        sending = Sending.at(site.clock(), site.quiet_hours)
        async with site.units() as uow:
            draft, problem = read_draft(form, await self._activities(uow))
            if problem is not None:
                return await self._form(visitor, draft, problem, 400)
            count = await count_reached(
                uow, draft.audience, draft.activity, site.channels, sending.now
            )
            spoken = await uow.session.scalars(select(Person.language).distinct())
            languages = [visitor.language, *sorted(set(spoken) & set(site.catalogue.languages))]
        held = Moment(sending.held_until.astimezone(site.zone), "clock") if sending.quiet else None
        return page(
            site,
            "notice_preview.html",
            visitor,
            here="notices",
            draft=draft,
            count=count,
            shown=as_shown(site.catalogue, site.club_name, draft.words, languages),
            when=when_words(site.catalogue, visitor.language, held, draft.urgent),
            once=fresh_nonce(),
        )

    async def send(self, _request: Request, visitor: Visitor, form: Form) -> Response:
        site = self._site
        sending = Sending.at(site.clock(), site.quiet_hours)
        async with site.units() as uow:
            draft, problem = read_draft(form, await self._activities(uow))
            if problem is not None:
                return await self._form(visitor, draft, problem, 400)
            once = form.get("once", "")[:40] or fresh_nonce()
            if not await uow.records.first_sighting(SENT_DRAFTS, once):
                return RedirectResponse("/dashboard/notices", status_code=303)
            notice = SendNotice(draft.words, draft.audience, draft.activity, None, draft.urgent)
            queued = await queue_broadcast(uow, notice, visitor.person_id, site.channels, sending)
            if queued.recipients == 0:
                return await self._form(visitor, draft, Problem("notice.count", {"count": 0}), 400)
            await uow.commit()
        return RedirectResponse(f"/dashboard/notices/{queued.broadcast_id}", status_code=303)

    async def follow(self, request: Request, visitor: Visitor, _form: Form) -> Response:
        """How far a notice has gone: sent so far, by channel, and who it could not reach."""
        number = str(request.path_params["number"])
        if not number.isdigit() or len(number) > 12:
            return page(self._site, "problem.html", visitor, 404, problem="dashboard.not_found")
        progress = await read_progress(self._site.units, int(number))
        if progress.total == 0:
            return page(self._site, "problem.html", visitor, 404, problem="dashboard.not_found")
        return page(self._site, "notice_progress.html", visitor, here="notices", progress=progress)
