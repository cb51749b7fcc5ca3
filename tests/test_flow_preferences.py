"""Preferences the Talking Mats way, days and reminder timing, through engine and storage."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.bootstrap import Club
from bot.service.demo_club import ACTIVITIES
from conversations import Text
from storage.models import Position as PositionRow
from storage.models import SessionSeries, utc_now
from tests.club_rows import (
    answered_by,
    person,
    position,
    preferences_of,
    register_carer,
    register_member,
    rows,
    series_ids_of,
)
from tests.dialog import Log, Step, choice_keys, mentions, press, run_dialog, says

ACTIVITY = ("yes", "unsure", "no")


def asked_about(log: Log) -> Text:
    """The activity the open question asks about."""
    assert log.question is not None
    return log.question.texts[-1].params["activity"]  # type: ignore[return-value]


def answer_all(answers: list[str], key: str = "preferences.activity") -> list[Step]:
    """Steps answering every activity from the first, carrying on after each three."""
    steps: list[Step] = []
    suffix = "_for" if key.endswith("_for") else ""
    for index, answer in enumerate(answers):
        last = index == len(answers) - 1
        if last:
            steps.append((press(answer), says(f"preferences.day_weekly{suffix}")))
        elif (index + 1) % 3 == 0:
            steps.append((press(answer), says("preferences.carry_on")))
            steps.append((press("carry_on"), mentions(key, choices=ACTIVITY)))
        else:
            steps.append((press(answer), mentions(key, choices=ACTIVITY)))
    return steps


async def series_by_title(club: Club) -> dict[str, int]:
    return {s.title: s.id for s in await rows(club, SessionSeries)}


async def test_one_activity_at_a_time_and_enough_for_now(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    ann = await person(club, "Ann")
    log = await run_dialog(
        club.dialogue,
        "console:ann",
        [(press("start_now"), says("preferences.activity", choices=ACTIVITY))],
        log,
    )
    assert asked_about(log) == Text("activity.music")

    await run_dialog(
        club.dialogue,
        "console:ann",
        [(press("yes"), says("preferences.activity", choices=ACTIVITY))],
        log,
    )
    assert await preferences_of(club, ann.id) == {"music": "yes"}, "saved as it is given"
    assert asked_about(log) == Text("activity.art")

    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("unsure"), says("preferences.activity")),
            (press("no"), says("preferences.carry_on", choices=("carry_on", "enough"))),
            (press("enough"), says("preferences.rest_later", choices=())),
        ],
        log,
    )
    assert await preferences_of(club, ann.id) == {
        "music": "yes",
        "art": "unsure",
        "gardening": "no",
    }
    assert await answered_by(club, ann.id) == {ann.id}
    saved = await position(club, "console:ann")
    assert saved is not None
    assert saved.flow == "idle"


async def test_later_carries_on_at_the_first_unanswered_activity(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    ann = await person(club, "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("start_now"), None),
            (press("yes"), None),
            (press("yes"), None),
            (press("no"), says("preferences.carry_on")),
            (press("enough"), says("preferences.rest_later")),
            ("/preferences", says("preferences.activity", choices=ACTIVITY)),
        ],
        log,
    )
    assert asked_about(log) == Text("activity.crafts")

    async with club.units() as uow:  # the answer comes a long time later
        await uow.session.execute(
            update(PositionRow).values(updated_at=utc_now() - timedelta(days=400))
        )
        await uow.commit()
    await run_dialog(
        club.dialogue, "console:ann", [(press("unsure"), says("preferences.activity"))], log
    )
    assert asked_about(log) == Text("activity.meals")
    assert (await preferences_of(club, ann.id))["crafts"] == "unsure"


async def test_the_menu_also_leads_to_the_activities(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("later"), says("preferences.later", choices=())),
            (
                "/start",
                says("menu.hello", "menu.ask"),
            ),
            (press("my_choices"), says("preferences.activity", choices=ACTIVITY)),
        ],
        log,
    )
    assert asked_about(log) == Text("activity.music")
    menu = log.answers[-2]
    assert menu.replies[0].texts[0] == Text("menu.hello", {"name": "Ann"})
    assert "my_choices" in choice_keys(menu)


async def test_days_and_reminder_timing_are_saved(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    ann = await person(club, "Ann")
    answers = ["yes", "unsure", "no", "yes", "no", "yes", "unsure", "yes"]
    steps: list[Step] = [(press("start_now"), says("preferences.activity"))]
    steps += answer_all(answers)
    steps += [
        (press("yes"), says("preferences.day_weekly", choices=("yes", "no"))),
        (press("no"), says("preferences.day_monthly", choices=("yes", "no"))),
        (press("yes"), says("preferences.timing", choices=("day_before", "morning", "both"))),
        (press("morning"), says("preferences.done", choices=())),
    ]
    log = await run_dialog(club.dialogue, "console:ann", steps, log)

    assert await preferences_of(club, ann.id) == dict(zip(ACTIVITIES, answers, strict=True))
    day_questions = [a.replies[-1].texts[-1] for a in log.answers[-5:-2]]
    assert day_questions[0].params["weekday"] == Text("weekday.1")
    assert day_questions[0].params["title"] == "Tuesday Club"
    assert day_questions[1].params["weekday"] == Text("weekday.3")
    assert day_questions[2].params["which"] == Text("ordinal.1")
    assert day_questions[2].params["weekday"] == Text("weekday.6")
    series = await series_by_title(club)
    assert await series_ids_of(club, ann.id) == {series["Tuesday Club"], series["Crafternoon"]}
    assert (await person(club, "Ann")).reminder_timing == "morning"

    # A second round shows the earlier answers and can change days and timing.
    again: list[Step] = [("/preferences", says("preferences.earlier", "preferences.activity"))]
    again += answer_all(["no"] * 8)
    again += [
        (press("no"), says("preferences.day_weekly")),
        (press("yes"), says("preferences.day_monthly")),
        (press("yes"), says("preferences.timing")),
        (press("both"), says("preferences.done")),
    ]
    log = await run_dialog(club.dialogue, "console:ann", again, log)
    assert log.answers[-len(again)].replies[0].texts[0] == Text(
        "preferences.earlier", {"answer": Text("choice.yes")}
    )
    assert set((await preferences_of(club, ann.id)).values()) == {"no"}
    assert await series_ids_of(club, ann.id) == {
        series["Thursday Club"],
        series["Crafternoon"],
    }
    assert (await person(club, "Ann")).reminder_timing == "both"


async def test_a_carer_chooses_for_the_member(club: Club) -> None:
    log = await register_carer(club, "console:ann", "Ann", ["Bob"])
    ann, bob = await person(club, "Ann"), await person(club, "Bob")
    steps: list[Step] = [(press("start_now"), says("preferences.activity_for", choices=ACTIVITY))]
    steps += answer_all(["yes"] * 8, key="preferences.activity_for")
    steps += [
        (press("yes"), says("preferences.day_weekly_for")),
        (press("no"), says("preferences.day_monthly_for")),
        (press("no"), says("preferences.timing_for")),
        (press("day_before"), says("preferences.done")),
    ]
    start = len(log.answers)
    log = await run_dialog(club.dialogue, "console:ann", steps, log)

    first = log.answers[start].replies[-1].texts[-1]
    assert first.params["name"] == "Bob"
    assert log.answers[-2].replies[-1].texts[-1] == Text("preferences.timing_for", {"name": "Bob"})
    assert await preferences_of(club, bob.id) == dict.fromkeys(ACTIVITIES, "yes")
    assert await answered_by(club, bob.id) == {ann.id}
    assert await preferences_of(club, ann.id) == {}
    series = await series_by_title(club)
    assert await series_ids_of(club, bob.id) == {series["Tuesday Club"]}
    assert (await person(club, "Bob")).reminder_timing == "day_before"
    assert (await person(club, "Ann")).reminder_timing == "both"


async def test_a_carer_of_two_chooses_whose_activities(club: Club) -> None:
    log = await register_carer(club, "console:ann", "Ann", ["Bob", "Cath"])
    bob, cath = await person(club, "Bob"), await person(club, "Cath")
    whose = (f"subject_{bob.id}", f"subject_{cath.id}")
    start = len(log.answers)
    log = await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("start_now"), says("preferences.whose", choices=whose)),
            (press(f"subject_{cath.id}"), says("preferences.activity_for")),
            (press("unsure"), says("preferences.activity_for")),
        ],
        log,
    )
    assert log.answers[start].replies[0].choices[1].label == Text(
        "choice.subject", {"name": "Cath"}
    )
    assert log.answers[-1].replies[-1].texts[-1].params["name"] == "Cath"
    assert await preferences_of(club, cath.id) == {"music": "unsure"}
    assert await preferences_of(club, bob.id) == {}

    # Later, the carer picks Bob; Cath's answers stay as they were.
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            ("/preferences", says("preferences.whose", choices=whose)),
            (press(f"subject_{bob.id}"), says("preferences.activity_for")),
            (press("no"), None),
        ],
        log,
    )
    assert await preferences_of(club, bob.id) == {"music": "no"}
    assert await preferences_of(club, cath.id) == {"music": "unsure"}
