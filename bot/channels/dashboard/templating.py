"""The coordinator's pages' templates (`templates/`), beside the report's, which they
extend: `base.html` (layout and calm stylesheet) and `committee_report.html`. Autoescape
is on, and an unknown name in a template is an error, as for the printed report."""

from __future__ import annotations

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

__all__ = ["PAGES"]

PAGES = Environment(
    loader=ChoiceLoader(
        [
            PackageLoader("bot.channels.dashboard", "templates"),
            PackageLoader("bot.report", "templates"),
        ]
    ),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
