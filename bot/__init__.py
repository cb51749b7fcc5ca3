"""The channels and the running service: console, web app, dispatcher, speech, CLI."""

from bot.bootstrap import Club, build_club
from bot.service.dialogue import Answer, Dialogue

__all__ = ["Answer", "Club", "Dialogue", "build_club"]
