"""The Jinja2 templates of the club's pages, shipped inside the package (`templates/`):
`base.html` (the layout and stylesheet every page shares; the coordinator's pages extend
it too), `macros.html` (tables with captions, lists, bar charts) and
`committee_report.html`.

Autoescape is on for every template and every value, so whatever a member typed (a
comment, a name) is shown as words and never read as HTML. An unknown name in a
template is an error, not an empty gap on a printed page.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["TEMPLATES"]

TEMPLATES = Environment(
    loader=PackageLoader("bot.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
