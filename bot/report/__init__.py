"""The committee's report: figures gathered in SQL into a typed `Report`, then rendered
as text, CSV, one printable HTML page, or a PNG chart for Telegram."""

from bot.report.gather import ChoosingSource, gather_report
from bot.report.model import (
    FACES,
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
from bot.report.page import render_html
from bot.report.period import Period, PeriodProblem, read_period
from bot.report.picture import render_png
from bot.report.table import render_csv
from bot.report.text import render_summary, render_text

__all__ = [
    "FACES",
    "ActivityFeedback",
    "Attendance",
    "ChoosingSource",
    "ChoosingTogether",
    "Comment",
    "Count",
    "FaceCounts",
    "FeedbackSplit",
    "Period",
    "PeriodProblem",
    "Report",
    "Requests",
    "SessionFigures",
    "Unreachable",
    "Wanted",
    "gather_report",
    "read_period",
    "render_csv",
    "render_html",
    "render_png",
    "render_summary",
    "render_text",
]
