"""Gathering the report's figures from storage into one `Report`.

The counting is done in SQL (see queries); this module only arranges the counts.
"Choosing together" polls are passed in as a `ChoosingSource`: the poll's table is being
built by the flows' work, and once it exists a source reading it fills that part of the
report without any other change here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.report.model import (
    ActivityFeedback,
    Attendance,
    ChoosingTogether,
    Comment,
    Count,
    FaceCounts,
    FeedbackSplit,
    Report,
    Requests,
    SessionFigures,
    Unreachable,
    Wanted,
)
from bot.report.period import Period
from bot.report.queries import ReportQueries, SessionRow
from bot.report.words import ROLE_WORDS, activity_labels, language_label
from conversations import Catalogue
from storage import UnitOfWork
from storage.models import utc_now

__all__ = ["ChoosingSource", "gather_report"]

REQUEST_KINDS = ("talk", "lift", "voice_note")
ANONYMOUS = "a member"


class ChoosingSource(Protocol):
    """Reads "choosing together" polls that closed in [start, end)."""

    async def __call__(
        self, session: AsyncSession, start: datetime, end: datetime
    ) -> Sequence[ChoosingTogether]: ...


async def gather_report(
    uow: UnitOfWork,
    catalogue: Catalogue,
    club_name: str,
    zone: ZoneInfo,
    period: Period,
    choosing: ChoosingSource | None = None,
    now: datetime | None = None,
) -> Report:
    start, end = period.start(zone), period.end(zone)
    now = now or utc_now()
    queries = ReportQueries(uow.session, start, end, now)
    keys = await queries.activity_keys()
    rows = await queries.sessions()
    labels = dict(activity_labels(catalogue, [*keys, *(r.activity_key for r in rows)]))
    enjoyed = await queries.enjoyed()
    labels.update(activity_labels(catalogue, [key for key, _ in enjoyed if key not in labels]))
    sessions = await _sessions(queries, rows, labels, zone)
    polls = await choosing(uow.session, start, end) if choosing else ()
    return Report(
        club_name=club_name,
        period=period,
        previous=period.previous(),
        made_at=now.astimezone(zone),
        sessions=tuple(sessions),
        cancelled=await queries.cancelled(),
        attendance=_attendance(sessions),
        feedback=sum((s.feedback for s in sessions), FeedbackSplit()),
        by_activity=_by_activity(sessions),
        enjoyed_most=tuple(
            Count(key, labels[key], n) for key, n in sorted(enjoyed, key=lambda e: (-e[1], e[0]))
        ),
        wanted=await _wanted(queries, keys, labels, period.start(zone)),
        requests=await _requests(queries),
        comments=await _comments(queries, zone),
        unreachable=await _unreachable(queries, zone),
        languages=tuple(
            Count(code, language_label(code), n)
            for code, n in sorted(await queries.languages(), key=lambda e: (-e[1], e[0]))
        ),
        roles=await _roles(queries),
        choosing=tuple(polls),
        choosing_recorded=choosing is not None,
    )


async def _comments(queries: ReportQueries, zone: ZoneInfo) -> tuple[Comment, ...]:
    return tuple(
        Comment(
            c.session,
            c.starts_at.astimezone(zone),
            c.name if c.named and c.name else ANONYMOUS,
            c.face,
            c.carer_helped,
            c.words.strip(),
        )
        for c in await queries.comments()
    )


async def _unreachable(queries: ReportQueries, zone: ZoneInfo) -> tuple[Unreachable, ...]:
    return tuple(
        Unreachable(
            r.person_id,
            r.name,
            r.channel,
            r.reason,
            r.count,
            r.for_good,
            r.since.astimezone(zone) if r.since else None,
        )
        for r in await queries.unreachable()
    )


async def _roles(queries: ReportQueries) -> tuple[Count, ...]:
    return tuple(
        Count(role, ROLE_WORDS.get(role, role), n)
        for role, n in sorted(await queries.roles(), key=lambda e: _role_order(e[0]))
    )


def _role_order(role: str) -> tuple[int, str]:
    order = list(ROLE_WORDS)
    return (order.index(role) if role in order else len(order), role)


def _faces(rows: Sequence[tuple[str | None, bool, int]]) -> FeedbackSplit:
    counts: dict[bool, dict[str, int]] = {False: defaultdict(int), True: defaultdict(int)}
    for face, helped, n in rows:
        counts[helped][face if face in {"happy", "unsure", "unhappy"} else "skipped"] += n

    def made(found: dict[str, int]) -> FaceCounts:
        return FaceCounts(found["happy"], found["unsure"], found["unhappy"], found["skipped"])

    return FeedbackSplit(made(counts[False]), made(counts[True]))


async def _sessions(
    queries: ReportQueries, rows: list[SessionRow], labels: dict[str, str], zone: ZoneInfo
) -> list[SessionFigures]:
    answers = await queries.answers()
    attendance = await queries.attendance()
    faces: dict[int, list[tuple[str | None, bool, int]]] = defaultdict(list)
    for session_id, face, helped, n in await queries.faces():
        faces[session_id].append((face, helped, n))
    found = []
    for row in rows:
        coming, not_coming = answers.get(row.session_id, (0, 0))
        came, kept = attendance.get(row.session_id, (0, 0))
        found.append(
            SessionFigures(
                session_id=row.session_id,
                title=row.title,
                activity_key=row.activity_key,
                activity=labels.get(row.activity_key, row.activity_key),
                place=row.place,
                starts_at=row.starts_at.astimezone(zone),
                said_coming=coming,
                said_not_coming=not_coming,
                marked=row.session_id in attendance,
                came=came,
                came_as_said=kept,
                feedback=_faces(faces[row.session_id]),
            )
        )
    return found


def _attendance(sessions: Sequence[SessionFigures]) -> Attendance:
    marked = [s for s in sessions if s.marked]
    said = sum(s.said_coming for s in marked)
    came = sum(s.came for s in marked)
    kept = sum(s.came_as_said for s in marked)
    return Attendance(len(marked), said, came, kept, said - kept, came - kept)


def _by_activity(sessions: Sequence[SessionFigures]) -> tuple[ActivityFeedback, ...]:
    grouped: dict[str, list[SessionFigures]] = defaultdict(list)
    for figures in sessions:
        grouped[figures.activity_key].append(figures)
    return tuple(
        ActivityFeedback(
            key,
            group[0].activity,
            len(group),
            sum((s.feedback for s in group), FeedbackSplit()),
        )
        for key, group in sorted(grouped.items(), key=lambda item: item[1][0].activity)
    )


async def _wanted(
    queries: ReportQueries, keys: list[str], labels: dict[str, str], previous_end: datetime
) -> tuple[Wanted, ...]:
    """Talking Mats answers at the end of this period and of the one before.

    Only each person's latest answer is stored, so "before" counts the answers last
    changed before this period began: a "yes" changed since then counts only now.
    """
    now = await queries.preferences(queries.end)
    before = await queries.preferences(previous_end)
    wanted = [
        Wanted(
            key,
            labels.get(key, key),
            now.get((key, "yes"), 0),
            now.get((key, "unsure"), 0),
            now.get((key, "no"), 0),
            before.get((key, "yes"), 0),
        )
        for key in keys
    ]
    return tuple(sorted(wanted, key=lambda w: (-w.yes, w.activity)))


async def _requests(queries: ReportQueries) -> Requests:
    counts: dict[str, int] = defaultdict(int)
    not_handled = 0
    for kind, handled, n in await queries.requests():
        counts[kind if kind in REQUEST_KINDS else "other"] += n
        not_handled += 0 if handled else n
    return Requests(
        counts["talk"], counts["lift"], counts["voice_note"], counts["other"], not_handled
    )
