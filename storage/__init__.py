"""The club's storage: models, repositories, an async unit of work and migrations."""

from storage.database import is_sqlite, migrate, open_database
from storage.errors import Trouble, storage_trouble
from storage.people import split_address
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "Trouble",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "is_sqlite",
    "migrate",
    "open_database",
    "split_address",
    "storage_trouble",
]
