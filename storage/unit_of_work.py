"""One unit of work per handled input: everything commits together or not at all."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.club import ClubRepository
from storage.outbox import OutboxRepository
from storage.people import PeopleRepository
from storage.polls import PollsRepository
from storage.records import RecordsRepository
from storage.sessions import AfterSessionRepository, SessionsRepository

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork:
    """Rolls back on leaving unless `commit` was called."""

    session: AsyncSession
    people: PeopleRepository
    club: ClubRepository
    records: RecordsRepository
    sessions: SessionsRepository
    outbox: OutboxRepository
    after: AfterSessionRepository
    polls: PollsRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.people = PeopleRepository(self.session)
        self.club = ClubRepository(self.session)
        self.records = RecordsRepository(self.session)
        self.sessions = SessionsRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.after = AfterSessionRepository(self.session)
        self.polls = PollsRepository(self.session)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()


class UnitOfWorkFactory:
    """Makes units of work on one database engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)
