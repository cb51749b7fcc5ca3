"""Reading what a person says on a call: the answer their words mean (or none when the
recogniser was unsure, or heard words of another language), and the read-back that asks
them to confirm it before it counts."""

from __future__ import annotations

import math

from conversations import (
    HELP_CHOICE,
    Catalogue,
    Choice,
    Meaning,
    Reply,
    match_choice,
    normalise,
    text,
)

__all__ = [
    "LOWEST_CONFIDENCE",
    "RIGHT",
    "WRONG",
    "answers_of",
    "confidence_of",
    "digit_of",
    "heard_key",
    "left_message",
    "read_back",
]

LOWEST_CONFIDENCE = 0.4
"""Below this the recogniser was guessing: the person is kindly asked again."""
RIGHT = Choice("readback.right", text("choice.yes"), meaning=Meaning.YES)
WRONG = Choice("readback.wrong", text("choice.no"), meaning=Meaning.NO)


def confidence_of(value: str) -> float:
    """Twilio's Confidence (0.0 to 1.0); anything else counts as no confidence at all."""
    try:
        found = float(value)
    except ValueError:
        return 0.0
    return found if math.isfinite(found) and 0.0 <= found <= 1.0 else 0.0


def answers_of(reply: Reply) -> list[Choice]:
    """The choices that have keys 1, 2, 3 on a call (talking to a person is always 0)."""
    return [choice for choice in reply.choices if choice.key != HELP_CHOICE]


def heard_key(catalogue: Catalogue, language: str, reply: Reply, words: str) -> str | None:
    """The key of the answer these words mean (HELP_CHOICE for "help"), or None when they
    are unclear: first the word each option told them to say ("lift"), then the words any
    channel understands ("yes", "not this time", "2")."""
    said = f" {normalise(words)} "
    answers = answers_of(reply)
    for choice in answers:
        spoken = f"voice.say.{choice.key.rpartition('.')[2]}"
        if catalogue.has(spoken):
            word = normalise(catalogue.render(language, text(spoken)))
            if word and f" {word} " in said:
                return choice.key
    return match_choice(
        words,
        answers,
        catalogue.vocabulary(language),
        lambda choice: catalogue.label(language, choice),
    )


def digit_of(reply: Reply, key: str) -> str:
    """The key on the phone's keypad that gives this answer."""
    if key == HELP_CHOICE:
        return "0"
    keys = [choice.key for choice in answers_of(reply)]
    return str(keys.index(key) + 1)


def read_back(reply: Reply, digit: str) -> Reply | None:
    """ "You said: Yes, coming." and a yes-or-no question, for the answer on `digit`; None
    when the question has no such answer (it changed since)."""
    answers = answers_of(reply)
    if not digit.isdigit() or not 1 <= int(digit) <= len(answers):
        return None
    chosen = answers[int(digit) - 1]
    return Reply((text("voice.heard", answer=chosen.label),), choices=(RIGHT, WRONG))


def left_message(question: Reply) -> Reply:
    """The whole question's words for an answering machine, and how to answer later."""
    return Reply((*question.texts, text("voice.left_message")))
