"""Signing in to the coordinator's web page: a link works once and for 15 minutes, opening
it uses nothing up, the cookie is signed and HttpOnly, a signed-out browser goes to the
sign-in page, signing out ends the session even for a copied cookie, and only
coordinators and committee members get in (committee: no sending)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Club
from bot.channels.dashboard import Keys, link_for, sign_in_link
from bot.cli.main import _parser, run_command
from storage.models import AuditEntry, utc_now
from tests.club_data import add_person
from tests.clubs import club_settings, prepared_club
from tests.dashboard_support import broadcasts, browser, csrf_of, path_of, sign_in

NOTICE = {"words": "The hall is warm today.", "audience": "everyone"}


async def test_the_printed_link_signs_sam_in_once(club: Club) -> None:
    link = await link_for(club.site, "sam")
    assert link is not None and link.startswith("http://127.0.0.1:8000/dashboard/signin/")
    async with browser(club) as client:
        for _ in range(2):  # a chat app's preview opens it first: nothing is used up
            opened = await client.get(path_of(link))
            assert opened.status_code == 200 and "Sign in as Sam" in opened.text
        used = await client.post(path_of(link))
        assert used.status_code == 303 and used.headers["location"] == "/dashboard"
        assert opened.headers["referrer-policy"] == "no-referrer", "the link is not passed on"
        assert "script-src" not in opened.headers["content-security-policy"]
        cookie = used.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=43200" in cookie
        today = await client.get("/dashboard/today")
        assert today.status_code == 200 and "Signed in as Sam." in today.text
    async with browser(club) as other:
        again = await other.post(path_of(link))
        assert again.status_code == 400 and "already used" in again.text
        assert "set-cookie" not in again.headers
    async with club.units() as uow:
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
    assert actions.count("signed in to the web page") == 1


async def test_an_old_or_forged_link_gets_a_kind_page(club: Club) -> None:
    async with club.units() as uow:
        sam = (await uow.people.with_role("coordinator"))[0].id
    past = str(int((utc_now() - timedelta(minutes=16)).timestamp()))
    soon = str(int((utc_now() + timedelta(minutes=5)).timestamp()))
    expired = club.site.keys.sign("link", str(sam), past, "n1")
    forged = Keys("another key").sign("link", str(sam), soon, "n2")
    as_cookie = club.site.keys.sign("session", str(sam), soon, "n3")
    async with browser(club) as client:
        for token in (expired, forged, as_cookie, "nonsense", "link.1.2.3.zz"):
            for method in (client.get, client.post):
                answer = await method(f"/dashboard/signin/{token}")
                assert answer.status_code == 400, token
                assert "does not work any more" in answer.text
                assert "set-cookie" not in answer.headers
        assert (await client.get("/dashboard/today")).status_code == 303


async def test_a_signed_out_browser_is_sent_to_the_sign_in_page(club: Club) -> None:
    async with club.units() as uow:
        sam = (await uow.people.with_role("coordinator"))[0].id
    past = str(int((utc_now() - timedelta(seconds=1)).timestamp()))
    soon = str(int((utc_now() + timedelta(hours=1)).timestamp()))
    cookies = {
        "none": None,
        "expired": club.site.keys.sign("session", str(sam), past, "s1"),
        "another key": Keys("another key").sign("session", str(sam), soon, "s2"),
        "a link as a cookie": club.site.keys.sign("link", str(sam), soon, "s3"),
        "garbage": "session.x.y.z.0",
    }
    for name, cookie in cookies.items():
        async with browser(club) as client:
            if cookie is not None:
                client.cookies.set("club_session", cookie, path="/dashboard")
            for path in ("/dashboard/today", "/dashboard/notices", "/dashboard/report"):
                answer = await client.get(path)
                assert answer.status_code == 303, (name, path)
                assert answer.headers["location"] == "/dashboard/signin?why=signed_out"
            page = await client.get("/dashboard/signin?why=signed_out")
            assert "Please sign in to see that page." in page.text


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(club: Club) -> None:
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        copied = client.cookies.get("club_session")
        out = await client.post("/dashboard/signout", data={"csrf": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/dashboard/signin?why=bye"
        assert (await client.get("/dashboard/today")).status_code == 303
    async with browser(club) as thief:
        thief.cookies.set("club_session", copied or "", path="/dashboard")
        assert (await thief.get("/dashboard/today")).status_code == 303


async def test_someone_no_longer_a_coordinator_is_signed_out(club: Club) -> None:
    cora = await add_person(club, "Cora", roles=("coordinator",))
    link = sign_in_link(club.site, cora)
    async with browser(club) as client:
        await sign_in(club, client, "Cora")
        async with club.units() as uow:
            await uow.people.revoke(cora, "coordinator")
            await uow.commit()
        assert (await client.get("/dashboard/today")).status_code == 303
        answer = await client.post(path_of(link))
        assert answer.status_code == 400


async def test_members_carers_and_volunteers_get_no_link(club: Club) -> None:
    for role in ("member", "carer", "volunteer"):
        await add_person(club, f"Ann {role}", roles=(role,))
        assert await link_for(club.site, f"Ann {role}") is None


async def test_a_committee_member_sees_the_report_and_cannot_send(club: Club) -> None:
    await add_person(club, "Carol", roles=("committee",))
    async with browser(club) as client:
        csrf = await sign_in(club, client, "Carol")
        today = await client.get("/dashboard/today")
        assert 'href="/dashboard/notices"' not in today.text
        report = await client.get("/dashboard/report?from=2026-01-01&to=2026-01-31")
        assert report.status_code == 200 and "At a glance" in report.text
        assert (await client.get("/dashboard/notices")).status_code == 403
        for step in ("preview", "send"):
            refused = await client.post(
                f"/dashboard/notices/{step}", data=NOTICE | {"csrf": csrf, "once": "x"}
            )
            assert refused.status_code == 403
            assert "only a coordinator can do that" in refused.text
    assert await broadcasts(club) == 0


async def test_the_csrf_token_is_needed_and_must_be_this_sessions(club: Club) -> None:
    async with browser(club) as other:
        others = await sign_in(club, other)
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        assert csrf != others
        changed = csrf[:-1] + ("1" if csrf.endswith("0") else "0")
        for given in ({}, {"csrf": ""}, {"csrf": others}, {"csrf": changed}):
            answer = await client.post("/dashboard/notices/send", data=NOTICE | given)
            assert answer.status_code == 403 and "too old" in answer.text
        answer = await client.post("/dashboard/signout", data={})
        assert answer.status_code == 403
        page = await client.get("/dashboard/notices")
        assert csrf_of(page.text) == csrf
    assert await broadcasts(club) == 0


async def test_coordinator_link_prints_a_link_that_the_web_page_takes(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    keyed = club_settings(database_url, dashboard_secret="a long shared secret for tests")
    async with prepared_club(keyed) as club:
        arguments = _parser().parse_args(["coordinator", "link", "--name", "Sam"])
        assert await run_command(club, arguments) == 0
        link = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
        unknown = _parser().parse_args(["coordinator", "link", "--name", "Nobody"])
        assert await run_command(club, unknown) == 2
    # Another process with the same secret takes the link.
    async with prepared_club(keyed, demo=False) as again, browser(again) as client:
        assert (await client.post(path_of(link))).status_code == 303
    async with prepared_club(club_settings(database_url), demo=False) as unkeyed:
        assert await run_command(unkeyed, arguments) == 2
        assert "DASHBOARD_SECRET" in capsys.readouterr().out
