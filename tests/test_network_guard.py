"""The guard itself: a test that tries to reach the internet fails."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import InternetBlocked


def test_connecting_outside_this_machine_fails() -> None:
    with pytest.raises(InternetBlocked), socket.create_connection(("93.184.216.34", 80), 1):
        pass


def test_looking_up_a_public_host_fails() -> None:
    with pytest.raises(InternetBlocked):
        httpx.get("https://translate.google.com/", timeout=1)
