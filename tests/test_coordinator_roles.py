"""Roles: a member who tries a coordinator's or committee's command is told kindly and
nothing happens; a coordinator grants and removes the committee and volunteer roles (rows
and audit log); a role removed in the middle of a flow stops it at the next step; the
committee's /report arrives as words, a chart and a printable page."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Broadcast, Poll, Position
from tests.club_data import add_person
from tests.club_rows import outbox, roles_of
from tests.clubs import coordinator_club
from tests.coordinator_support import COORDINATOR, Scene, audit, button_keys

TOM, DAN = 1001, 7001
COMMANDS = ("/notice", "/sessions", "/attendance", "/roles", "/choose", "/report")


async def position_of(scene: Scene, chat: int) -> tuple[str, str]:
    async with scene.club.units() as uow:
        found = await uow.session.get(Position, f"telegram:{chat}")
        assert found is not None
        return found.flow, found.step


async def count(scene: Scene, model: type[Broadcast] | type[Poll]) -> int:
    async with scene.club.units() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_member_is_told_kindly_and_nothing_happens(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Tom", telegram_id=TOM)
        tg = scene.tg
        kindly = tg.words("common.not_allowed")
        for command in COMMANDS:
            await tg.say(TOM, command)
            [reply] = tg.replies(TOM)
            assert reply.startswith(kindly), (command, reply)
            assert tg.words("menu.ask") in reply  # and the member's own menu, to carry on
            assert await position_of(scene, TOM) == ("menu", "menu"), command
        await scene.drain()
        assert await audit(scene.club) == []
        assert await outbox(scene.club) == []
        assert (await count(scene, Broadcast), await count(scene, Poll)) == (0, 0)
        assert scene.bot.sent_files(chat_id=TOM) == []  # no report, chart or page
        assert scene.twilio.messages == [] and scene.twilio.call_requests == []


async def test_committee_may_have_the_report_but_nothing_else(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Tom", roles=("member", "committee"), telegram_id=TOM)
        tg = scene.tg
        for command in ("/notice", "/sessions", "/attendance", "/roles", "/choose"):
            await tg.say(TOM, command)
            assert tg.replies(TOM)[0].startswith(tg.words("common.not_allowed")), command
        await tg.say(TOM, "/report")
        replies = tg.replies(TOM)
        # the order is checked in test_report_held_and_order
        assert replies[0] == tg.words("report.making") and len(replies) == 2
        summary = replies[1]
        assert summary.startswith(f"{scene.club.settings.club_name}")
        assert "No sessions were held in this period." in summary
        [chart] = scene.bot.sent_files("sendPhoto", TOM)
        assert chart.data.startswith(b"\x89PNG")
        [page] = scene.bot.sent_files("sendDocument", TOM)
        assert page.data.lstrip().lower().startswith(b"<!doctype html")
        [made] = await audit(scene.club, "report made")
        assert made.actor_id is not None


async def test_a_coordinator_grants_and_removes_committee_and_volunteer(
    database_url: str,
) -> None:
    async with coordinator_club(database_url) as scene:
        tom = await add_person(scene.club, "Tom", telegram_id=TOM)
        tg = scene.tg

        async def change(*presses: str) -> None:
            await tg.say(COORDINATOR, "/roles")
            assert tg.replies(COORDINATOR)[0].startswith(tg.words("roles.who"))
            await tg.say(COORDINATOR, "tom")
            assert tg.replies(COORDINATOR)[0].startswith("Tom is now: ")
            for key in presses:
                await tg.press(COORDINATOR, key)
            assert tg.replies(COORDINATOR) == [tg.words("roles.done")]

        await change("make_committee")
        assert await roles_of(scene.club, tom) == {"member", "committee"}
        await change("make_volunteer")
        assert await roles_of(scene.club, tom) == {"member", "committee", "volunteer"}
        await tg.say(COORDINATOR, "/roles")
        await tg.say(COORDINATOR, "Tom")
        assert "committee, member, volunteer" in tg.replies(COORDINATOR)[0]
        await tg.press(COORDINATOR, "remove_role")
        offered = tg.question(COORDINATOR)
        assert button_keys(offered) == ["drop_committee", "drop_volunteer", "person"]
        await tg.press(COORDINATOR, "drop_committee")
        assert await roles_of(scene.club, tom) == {"member", "volunteer"}
        await change("remove_role", "drop_volunteer")
        assert await roles_of(scene.club, tom) == {"member"}

        entries = [
            (e.actor_id, e.action, e.detail["person"], e.detail["role"])
            for e in await audit(scene.club)
        ]
        me = scene.coordinator
        assert entries == [
            (me, "role granted", tom, "committee"),
            (me, "role granted", tom, "volunteer"),
            (me, "role removed", tom, "committee"),
            (me, "role removed", tom, "volunteer"),
        ]


async def test_a_name_shared_by_two_people_is_chosen_by_button(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Ann Smith", telegram_id=2001)
        jones = await add_person(scene.club, "Ann Jones", telegram_id=2002)
        tg = scene.tg
        await tg.say(COORDINATOR, "/roles")
        await tg.say(COORDINATOR, "Bob")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("roles.unknown_name"))
        await tg.say(COORDINATOR, "ann")
        assert tg.replies(COORDINATOR)[0].startswith(tg.words("roles.choose"))
        await tg.press(COORDINATOR, f"person_{jones}")
        await tg.press(COORDINATOR, "make_volunteer")
        assert await roles_of(scene.club, jones) == {"member", "volunteer"}


async def test_a_coordinator_cannot_remove_their_own_coordinator_role(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        tg = scene.tg
        await tg.say(COORDINATOR, "/roles")
        await tg.say(COORDINATOR, "Cora")
        await tg.press(COORDINATOR, "remove_role")
        await tg.press(COORDINATOR, "drop_coordinator")
        assert tg.replies(COORDINATOR) == [tg.words("roles.not_yourself")]
        assert await roles_of(scene.club, scene.coordinator) == {"coordinator"}
        assert await audit(scene.club) == []


async def test_a_role_removed_mid_flow_stops_it_at_the_next_step(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Dan", roles=("coordinator",), telegram_id=DAN)
        await add_person(scene.club, "Sue", phone="+447700900201")
        tg = scene.tg
        # Cora writes a notice and reaches the preview ...
        await tg.say(COORDINATOR, "/notice")
        await tg.say(COORDINATOR, "Bring a friend on Tuesday.")
        await tg.press(COORDINATOR, "words_only")
        await tg.press(COORDINATOR, "to_everyone")
        preview = tg.question(COORDINATOR)
        # ... when Dan, the other coordinator, takes her coordinator role away
        await tg.say(DAN, "/roles")
        await tg.say(DAN, "Cora")
        await tg.press(DAN, "remove_role")
        await tg.press(DAN, "drop_coordinator")
        assert await roles_of(scene.club, scene.coordinator) == set()
        # her press of "send" is told kindly, and nothing is sent
        await tg.press(COORDINATOR, "send_notice", preview)
        [reply] = tg.replies(COORDINATOR)
        assert reply.startswith(tg.words("common.not_allowed"))
        await scene.drain()
        assert await count(scene, Broadcast) == 0
        assert await outbox(scene.club) == []
        assert scene.twilio.messages == []
        assert [e.action for e in await audit(scene.club)] == ["role removed"]
        # a free-text step is stopped too
        await tg.say(DAN, "/roles")
        await tg.say(DAN, "Dan")
        await tg.press(DAN, "make_committee")
        await tg.say(DAN, "/attendance")
        await tg.say(DAN, "/roles")  # Dan starts again, and loses the role meanwhile
        async with scene.club.units() as uow:
            dan = await uow.people.by_address(f"telegram:{DAN}")
            assert dan is not None
            await uow.people.revoke(dan.id, "coordinator")
            await uow.commit()
        await tg.say(DAN, "Sue")
        assert tg.replies(DAN)[0].startswith(tg.words("common.not_allowed"))
        assert await position_of(scene, DAN) == ("menu", "menu")
