"""The committee's report on screen: the same figures, charts and printable page as
`python -m bot report` (`bot/report/`), for the dates asked for (the last four weeks
unless given), with the CSV and the PNG picture to download. Dates that do not make a
period get one plain line above the form, as on the command line."""

from __future__ import annotations

import asyncio
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.dashboard.guard import Form
from bot.channels.dashboard.site import PAGE_HEADERS, Site, Visitor, page, sayer
from bot.channels.dashboard.templating import PAGES
from bot.report import (
    Period,
    PeriodProblem,
    Report,
    gather_report,
    read_period,
    render_csv,
    render_html,
    render_png,
)
from bot.report.polls import PollResults

__all__ = ["ReportPage"]

LONGEST_DATE = 10
DOWNLOADS = {"csv": "text/csv; charset=utf-8", "png": "image/png"}


class ReportPage:
    def __init__(self, site: Site) -> None:
        self._site = site

    def _period(self, request: Request) -> Period:
        today = datetime.now(self._site.zone).date()
        first = request.query_params.get("from", "")[:LONGEST_DATE].strip() or None
        last = request.query_params.get("to", "")[:LONGEST_DATE].strip() or None
        return read_period(first, last, today)

    async def _report(self, visitor: Visitor, period: Period) -> Report:
        site = self._site
        async with site.units() as uow:
            report = await gather_report(
                uow, site.catalogue, site.club_name, site.zone, period, PollResults(site.catalogue)
            )
            await uow.records.audit(
                visitor.person_id,
                "report made",
                first=period.first.isoformat(),
                last=period.last.isoformat(),
            )
            await uow.commit()
        return report

    async def show(self, request: Request, visitor: Visitor, _form: Form) -> Response:
        try:
            period = self._period(request)
        except PeriodProblem as problem:
            return page(
                self._site,
                "report_dates.html",
                visitor,
                400,
                here="report",
                problem=str(problem).replace("--from", "From").replace("--to", "To"),
                first=request.query_params.get("from", "")[:LONGEST_DATE],
                last=request.query_params.get("to", "")[:LONGEST_DATE],
            )
        report = await self._report(visitor, period)
        html = render_html(
            report,
            PAGES.get_template("report_on_screen.html"),
            visitor=visitor,
            say=sayer(self._site, visitor),
            here="report",
            first=period.first.isoformat(),
            last=period.last.isoformat(),
        )
        return Response(html, media_type="text/html", headers=PAGE_HEADERS)

    async def download(self, request: Request, visitor: Visitor, _form: Form) -> Response:
        kind = str(request.path_params["kind"])
        try:
            period = self._period(request)
        except PeriodProblem:
            return page(self._site, "problem.html", visitor, 400, problem="dashboard.not_found")
        if kind not in DOWNLOADS:
            return page(self._site, "problem.html", visitor, 404, problem="dashboard.not_found")
        report = await self._report(visitor, period)
        if kind == "png":
            body: bytes | str = await asyncio.to_thread(render_png, report)
        else:
            body = "\ufeff" + render_csv(report)
        name = f"club-report-{period.first.isoformat()}-to-{period.last.isoformat()}.{kind}"
        return Response(
            body,
            media_type=DOWNLOADS[kind],
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
