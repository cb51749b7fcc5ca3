"""What a Twilio error code means for the club: try again later, or this way is closed."""

from __future__ import annotations

from bot.outbox.delivery import Outcome

__all__ = ["OPTED_OUT", "TOO_LATE", "outcome_for"]

OPTED_OUT = 21610
PERMANENT = {
    21610: "opted out",
    21211: "not a valid number",
    21614: "not a mobile number",
    21408: "region not enabled",
    21612: "cannot reach this number",
    30003: "unreachable",
    30005: "unknown number",
    30006: "landline or unreachable carrier",
    30004: "message blocked",
    30007: "filtered as spam",
}
PASSING = {30001: "queue overflow", 20429: "too many requests", 30008: "unknown error"}
SERVER_ERROR = 500
TOO_LATE = "too late: the session has started"
"""Not sent because the moment passed while it waited; the number itself is fine."""


def outcome_for(code: int | None, http_status: int | None = None) -> tuple[Outcome, str]:
    """Permanent codes move the person to their next channel; the rest are retried."""
    if code in PERMANENT:
        return Outcome.PERMANENT, PERMANENT[code]
    if code in PASSING:
        return Outcome.RETRY, PASSING[code]
    if http_status is not None and http_status >= SERVER_ERROR:
        return Outcome.RETRY, f"server error {http_status}"
    if http_status == 429:
        return Outcome.RETRY, "too many requests"
    return Outcome.PERMANENT, f"refused ({code or http_status})"
