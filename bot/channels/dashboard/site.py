"""What every page of the coordinator's web page shares: the club's parts it reads, who
is signed in, and how a page is answered (in that person's language where the catalogue
has the words; the sign-in pages, before anyone is known, in English)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import HTMLResponse

from bot.channels.dashboard.keys import Keys
from bot.channels.dashboard.templating import PAGES
from bot.service.broadcasts import QuietHours
from conversations import Catalogue, text
from storage import UnitOfWorkFactory
from storage.models import utc_now

__all__ = [
    "LINK_LIFETIME",
    "PAGE_HEADERS",
    "SESSION_LIFETIME",
    "Site",
    "Visitor",
    "page",
    "sayer",
]

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
SIGNED_IN_ROLES = frozenset({"coordinator", "committee"})
"""Members, carers and volunteers cannot sign in."""
COOKIE = "club_session"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
"""Pages hold personal data: never kept by a cache, never framed, no script at all, and
no address (a sign-in link's) passed on to anywhere else."""


@dataclass(frozen=True)
class Site:
    """The parts of the club the pages use, built once by the composition root."""

    units: UnitOfWorkFactory
    catalogue: Catalogue
    keys: Keys
    club_name: str
    zone: ZoneInfo
    address: str
    """Where the page is reached, such as https://club.example.org, for links."""
    channels: Collection[str]
    quiet_hours: QuietHours
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def secure(self) -> bool:
        """Cookies only over https when the page is served over https."""
        return self.address.startswith("https://")

    def link(self, token: str) -> str:
        return f"{self.address}/dashboard/signin/{token}"


@dataclass(frozen=True)
class Visitor:
    """Someone signed in: a coordinator, or a committee member."""

    person_id: int
    name: str
    roles: frozenset[str]
    language: str
    csrf: str

    @property
    def coordinator(self) -> bool:
        return "coordinator" in self.roles


def sayer(site: Site, visitor: Visitor | None) -> Callable[..., str]:
    """`say(key, ...)` for templates: a catalogue text in the visitor's language."""
    language = visitor.language if visitor else "en"

    def say(key: str, **params: object) -> str:
        return site.catalogue.render(language, text(key, **params))

    return say


def page(
    site: Site,
    template: str,
    visitor: Visitor | None = None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page in the visitor's language (see `sayer`)."""
    language = visitor.language if visitor else "en"
    html = PAGES.get_template(template).render(
        lang=language, visitor=visitor, say=sayer(site, visitor), club=site.club_name, **values
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
