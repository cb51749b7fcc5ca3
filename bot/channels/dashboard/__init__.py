"""The coordinator's web page, served by the club's web app under `/dashboard`: signing
in by a single-use link, Today (the next sessions at a glance), Notices (with a preview as
each channel shows them), the committee's report, and Try it (a practice chat with the
real engine, on a club of its own). Coordinators see and do everything;
committee members see Today and the report, and get a kind 403 page for the rest."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.dashboard.guard import guarded
from bot.channels.dashboard.keys import Keys
from bot.channels.dashboard.notices import Notices
from bot.channels.dashboard.report_page import ReportPage
from bot.channels.dashboard.signin import SignIn, link_for, sign_in_link
from bot.channels.dashboard.site import Site, page
from bot.channels.dashboard.today import Today
from bot.channels.dashboard.try_it import TryIt

__all__ = ["Keys", "Site", "TryIt", "dashboard_routes", "link_for", "sign_in_link"]

log = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]


def _kindly(site: Site, endpoint: Endpoint) -> Endpoint:
    """A sign-in page the database cannot serve just now says so, kindly."""

    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as error:
            log.warning("dashboard sign-in not served: %s", type(error).__name__)
            return page(site, "problem.html", None, 503, problem="dashboard.busy")

    return answered


async def _home(_request: Request) -> Response:
    return RedirectResponse("/dashboard/today", status_code=303)


def dashboard_routes(site: Site, try_it: TryIt) -> list[BaseRoute]:
    signin, today = SignIn(site), Today(site)
    notices, report = Notices(site), ReportPage(site)
    return [
        Route("/dashboard", _home, methods=["GET"]),
        Route("/dashboard/signin", _kindly(site, signin.ask), methods=["GET"]),
        Route("/dashboard/signin/{token}", _kindly(site, signin.open_link), methods=["GET"]),
        Route("/dashboard/signin/{token}", _kindly(site, signin.use_link), methods=["POST"]),
        Route("/dashboard/signout", guarded(site, signin.sign_out), methods=["POST"]),
        Route("/dashboard/today", guarded(site, today.show), methods=["GET"]),
        Route("/dashboard/notices", guarded(site, notices.write, True), methods=["GET"]),
        Route("/dashboard/notices/preview", guarded(site, notices.preview, True), methods=["POST"]),
        Route("/dashboard/notices/send", guarded(site, notices.send, True), methods=["POST"]),
        Route("/dashboard/notices/{number}", guarded(site, notices.follow, True), methods=["GET"]),
        Route("/dashboard/report", guarded(site, report.show), methods=["GET"]),
        Route("/dashboard/report.{kind}", guarded(site, report.download), methods=["GET"]),
        Route("/dashboard/try", guarded(site, try_it.show, True), methods=["GET"]),
        Route("/dashboard/try", guarded(site, try_it.answer, True), methods=["POST"]),
    ]
