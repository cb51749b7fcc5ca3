"""What the report's charts show, worked out once for both the HTML page (SVG) and the
picture sent on Telegram (PNG), so the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from bot.report.model import FACES, Report
from bot.report.sentences import change_words
from bot.report.words import FACE_WORDS, percent

__all__ = ["FACE_COLOURS", "INK", "Bar", "Chart", "report_charts"]

INK = "#1f4e79"
"""Dark blue: over 9:1 against white, and still dark when printed in grey."""
FACE_COLOURS = {"happy": "#1b5e20", "unsure": "#6d4c00", "unhappy": "#8e1b1b"}
"""Dark green, brown and red: each over 7:1 against white; the words carry the meaning."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str
    """The number beside the bar, such as "30 (up 4)"."""
    colour: str = INK


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    bars: tuple[Bar, ...]

    def share(self, bar: Bar) -> float:
        """How long `bar` is, 0 to 1: the largest bar of the chart fills its space."""
        biggest = max((each.value for each in self.bars), default=0) or 1
        return max(bar.value, 0) / biggest


def wanted_chart(report: Report) -> Chart:
    bars = tuple(
        Bar(w.activity, w.yes, f"{w.yes} ({change_words(w.change)})") for w in report.wanted
    )
    return Chart("chart-wanted", "What members would like to do: yes answers", bars)


def top_wanted_chart(report: Report, most: int = 3) -> Chart:
    """The few activities most members said yes to, for the report's first page."""
    top = [w for w in report.wanted if w.yes][:most]
    bars = tuple(Bar(w.activity, w.yes, f"{w.yes} yes") for w in top)
    return Chart("chart-top-wanted", "Most wanted activities", bars)


def feeling_chart(report: Report) -> Chart:
    counts = report.feedback.all
    bars = tuple(
        Bar(
            FACE_WORDS[face],
            counts.of(face),
            f"{counts.of(face)} ({percent(counts.share(face))})",
            FACE_COLOURS[face],
        )
        for face in FACES
    )
    return Chart("chart-feeling", "How sessions felt", bars)


def coming_chart(report: Report) -> Chart:
    a = report.attendance
    bars = (
        Bar("Said they were coming", a.said_coming, str(a.said_coming)),
        Bar("Came, as they said", a.came_as_said, f"{a.came_as_said} ({percent(a.kept_share)})"),
        Bar(
            "Said they were coming, but did not come",
            a.said_coming_stayed_away,
            str(a.said_coming_stayed_away),
        ),
        Bar("Came without saying so first", a.came_without_saying, str(a.came_without_saying)),
    )
    return Chart("chart-coming", "Coming as they said", bars)


def report_charts(report: Report) -> dict[str, Chart]:
    """The charts this report has: each only when there is something to show."""
    charts = {"wanted": wanted_chart(report)} if report.anyone_answered else {}
    if any(w.yes for w in report.wanted):
        charts["top-wanted"] = top_wanted_chart(report)
    if not report.no_sessions:
        charts["feeling"] = feeling_chart(report)
        if report.attendance.sessions_marked:
            charts["coming"] = coming_chart(report)
    return charts
