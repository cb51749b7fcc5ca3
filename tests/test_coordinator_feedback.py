"""Feedback after a session, end to end: the planner queues "how was it?" for those who
said they were coming, the dispatcher sends it on each person's channel, and they answer by
Telegram button, by SMS digit (a signed webhook) and by phone key (the voice webhook's
Digits); a carer answers for a member. The committee's report then shows the faces, with
and without a carer's help, and the comments (named only with consent)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.report import FaceCounts, gather_report, read_period, render_text
from bot.report.polls import PollResults
from bot.report.sentences import faces_line
from storage.models import utc_now
from tests.club_data import add_person
from tests.club_rows import outbox
from tests.clubs import coordinator_club
from tests.coordinator_support import Scene, add_session, feedback_rows, said
from tests.fakes.clock import FakeClock

TOM, TIA, CAT = 1001, 1002, 1004
SUE, VIC = "+447700900201", "+447700900301"


async def a_session_that_ended(scene: Scene, coming: list[int]) -> int:
    """A music session that began five hours ago and ended three hours ago."""
    return await add_session(scene.club, utc_now() - timedelta(hours=5), coming=coming)


async def ask_how_it_was(scene: Scene) -> None:
    """The planner's run (now), then the dispatcher a day later, when every question is due
    whatever the quiet hours."""
    assert await scene.plan_feedback(utc_now()) > 0
    await scene.drain(FakeClock(utc_now() + timedelta(days=1)))


async def report_text(scene: Scene) -> tuple[str, FaceCounts, FaceCounts]:
    club = scene.club
    period = read_period(None, None, utc_now().astimezone(club.settings.zone).date())
    async with club.units() as uow:
        report = await gather_report(
            uow,
            club.catalogue,
            club.settings.club_name,
            club.settings.zone,
            period,
            PollResults(club.catalogue),
        )
    return render_text(report), report.feedback.alone, report.feedback.with_carer


async def test_feedback_by_button_digit_and_key_appears_in_the_report(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        club = scene.club
        tom = await add_person(club, "Tom", telegram_id=TOM)
        sue = await add_person(club, "Sue", phone=SUE)
        vic = await add_person(club, "Vic", phone=VIC, channels="voice")
        mo = await add_person(club, "Mo", channels="")
        await add_person(club, "Cat", roles=("carer",), telegram_id=CAT, cares_for=mo)
        session = await a_session_that_ended(scene, [tom, sue, vic, mo])
        await ask_how_it_was(scene)
        queued = {(r.person_id, r.channel) for r in await outbox(club, kind="feedback")}
        assert len(queued) == 4 and (mo, "telegram") not in queued  # Mo's goes to Cat

        await answer_on_telegram(scene)
        await answer_by_digits_and_keys(scene)
        answers = {f.person_id: f for f in await feedback_rows(club)}
        assert {p: (f.face, f.enjoyed_activity, f.carer_helped) for p, f in answers.items()} == {
            tom: ("happy", "music", False),
            mo: ("happy", "something_else", True),
            sue: ("unsure", "company", False),
            vic: ("unhappy", "music", False),
        }
        assert all(f.session_id == session for f in answers.values())
        assert (answers[tom].comment, answers[tom].named_with_consent) == (
            "Lovely singing, thank you.",
            True,
        )
        assert answers[mo].named_with_consent is False
        assert answers[sue].comment is None and answers[vic].comment is None

        await the_report_shows_it(scene)


async def answer_on_telegram(scene: Scene) -> None:
    """Tom by buttons (a typed comment, named with consent); Cat for Mo (anonymous)."""
    tg = scene.tg
    # Tom, on Telegram: every answer a button, a typed comment, named with consent
    question = tg.question(TOM)
    assert question["text"].startswith("How was the Music Club on ")
    await tg.press(TOM, "happy")
    await tg.press(TOM, "act_music")
    await tg.say(TOM, "Lovely singing, thank you.")
    await tg.press(TOM, "yes")
    assert tg.replies(TOM)[-1] == tg.words("feedback.thanks")

    # Cat answers for Mo, who takes no messages herself: anonymous
    assert tg.question(CAT)["text"].startswith("How was the Music Club on ")
    assert " for Mo?" in tg.question(CAT)["text"]
    await tg.press(CAT, "happy")
    await tg.press(CAT, "something_else")
    await tg.say(CAT, "Mo talked about it all evening.")
    await tg.press(CAT, "no")


async def answer_by_digits_and_keys(scene: Scene) -> None:
    """Sue by text message digits, Vic by keys on the call that asks her."""
    tg = scene.tg
    # Sue, by text: one digit for each question
    [asked] = scene.twilio.messages_to(SUE)
    assert "1 - Good\n2 - Not sure\n3 - Not good\n0 - Talk to a person" in asked.body

    reply = await scene.text_in(SUE, "2")
    assert "What did you enjoy most?" in reply.text
    await scene.text_in(SUE, "2")
    done = await scene.text_in(SUE, "1")
    assert tg.words("feedback.thanks") in done.text

    # Vic, by phone: the call speaks the question, she presses keys
    twiml = await scene.pick_up(VIC)
    assert "<Gather" in twiml and 'numDigits="1"' in twiml
    enjoyed = await scene.keys(VIC, "3", round_=2)
    assert "<Gather" in enjoyed
    await scene.keys(VIC, "1", round_=3)
    goodbye = await scene.keys(VIC, "1", round_=4)
    assert "<Gather" not in goodbye and "<Hangup" in goodbye


async def the_report_shows_it(scene: Scene) -> None:
    """Counts and shares of each face, alone and with a carer's help, and the comments."""
    text, alone, with_carer = await report_text(scene)
    assert alone == FaceCounts(happy=1, unsure=1, unhappy=1)
    assert with_carer == FaceCounts(happy=1)
    assert alone.share("happy") == pytest.approx(1 / 3)
    assert with_carer.share("happy") == 1.0
    assert f"All answers: {faces_line(alone + with_carer)}" in text
    assert f"Answered alone: {faces_line(alone)}" in text
    assert f"With a carer's help: {faces_line(with_carer)}" in text
    assert "Happy 2 (50%)" in text
    assert "1 session was held." in text
    comments = text.split("Comments for the committee", 1)[1]
    assert "Tom, Music Club on " in comments and '"Lovely singing, thank you."' in comments
    assert "a member, Music Club on " in comments
    assert '"Mo talked about it all evening."' in comments
    assert "Mo," not in comments and "Cat," not in comments


async def test_a_voice_comment_is_kept_for_the_committee(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tom = await add_person(scene.club, "Tom", telegram_id=TOM)
        await a_session_that_ended(scene, [tom])
        await ask_how_it_was(scene)
        tg = scene.tg
        await tg.press(TOM, "unsure")
        await tg.press(TOM, "company")
        await tg.voice(TOM, b"OggS it was too loud")
        await tg.press(TOM, "no")
        [answer] = await feedback_rows(scene.club)
        assert answer.comment is not None and answer.comment.startswith("(voice message ")
        assert answer.named_with_consent is False
        text, _, _ = await report_text(scene)
        assert "a member, Music Club on " in text and "(voice message " in text


async def test_skip_ends_the_questions_kindly(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tia = await add_person(scene.club, "Tia", telegram_id=TIA)
        sue = await add_person(scene.club, "Sue", phone=SUE)
        await a_session_that_ended(scene, [tia, sue])
        await ask_how_it_was(scene)
        await scene.tg.say(TIA, "skip")
        assert scene.tg.replies(TIA) == [scene.tg.words("feedback.skipped")]
        reply = await scene.text_in(SUE, "skip")
        assert scene.tg.words("feedback.skipped") in reply.text
        assert "How was" not in said(scene, TIA).split(scene.tg.words("feedback.skipped"))[1]


async def test_a_skip_is_counted_in_the_report(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tia = await add_person(scene.club, "Tia", telegram_id=TIA)
        await a_session_that_ended(scene, [tia])
        await ask_how_it_was(scene)
        await scene.tg.say(TIA, "skip")
        _, alone, _ = await report_text(scene)
        assert alone.skipped == 1


async def test_an_answer_given_nine_days_later_still_lands(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tom = await add_person(scene.club, "Tom", telegram_id=TOM)
        await a_session_that_ended(scene, [tom])
        await ask_how_it_was(scene)
        later = utc_now() + timedelta(days=9)
        scene.club.dialogue.clock = lambda: later
        scene.club.dialogue.shape.forget()
        await scene.tg.press(TOM, "happy")
        assert scene.tg.replies(TOM), "a kind reply"
        [answer] = await feedback_rows(scene.club)
        assert answer.face == "happy"
