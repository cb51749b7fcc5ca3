from bot.bootstrap import Club
from conversations import Input


async def test_a_newcomer_is_greeted(club: Club) -> None:
    answer = await club.dialogue.handle("console:ann", Input.command("start"))
    assert answer.replies[0].texts[0].key == "registration.welcome"
