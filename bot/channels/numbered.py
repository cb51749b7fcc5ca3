"""Replies as plain numbered text, for the console and for text messages."""

from __future__ import annotations

from conversations import (
    HELP_CHOICE,
    Catalogue,
    Choice,
    Reply,
)

__all__ = ["choice_digit", "numbered_choices", "render_numbered"]


def choice_digit(choices: tuple[Choice, ...], choice: Choice) -> str:
    """1, 2, 3 for the answers; 0 for "Talk to a person", as on the phone keypad."""
    if choice.key == HELP_CHOICE:
        return "0"
    answers = [c for c in choices if c.key != HELP_CHOICE]
    return str(answers.index(choice) + 1)


def numbered_choices(choices: tuple[Choice, ...]) -> list[tuple[str, Choice]]:
    """Each choice with its digit, in the order they are shown: the answers, then 0."""
    ordered = sorted(choices, key=lambda c: c.key == HELP_CHOICE)
    return [(choice_digit(choices, choice), choice) for choice in ordered]


def render_numbered(catalogue: Catalogue, language: str, reply: Reply) -> str:
    lines = [catalogue.render(language, part) for part in reply.texts]
    if reply.choices:
        lines.append("")
        for digit, choice in numbered_choices(reply.choices):
            lines.append(f"  {digit}. {catalogue.label(language, choice)}")
    return "\n".join(lines)
