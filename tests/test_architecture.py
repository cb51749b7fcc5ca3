"""The house keeps its plan: every module's imports are read and held to the walls.

- `conversations/` imports nothing of the project;
- `storage/` imports only `config/`; `config/` imports nothing of the project;
- `bot/` takes only the public names of `conversations` (its `__init__`);
- inside `bot/`, the rooms stand on each other in one order, never back up;
- `bot/` holds no module at its top but `__init__`, `__main__` and the composition root,
  which only the command line's entry imports;
- only `bot/service/positions.py` writes where a conversation stands.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "conversations", "storage", "config")

ALLOWED = {
    "conversations": {"conversations"},
    "storage": {"storage", "config"},
    "config": {"config"},
    "bot": {"bot", "conversations", "storage", "config"},
}

ROOMS = ("service", "outbox", "people_sheet", "report", "channels", "cli")
"""`bot/`'s rooms from the bottom up: a room may import only rooms below it."""
TOP_OF_BOT = {"__init__.py", "__main__.py", "bootstrap.py"}
ENTRY = "bot.cli.main"
"""The command line's entry builds the club; every command below it gets what it uses."""


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" in path.parts:
                continue  # generated migrations
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def imported(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module, names) for every import in `path`, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def project_imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    for module, names in imported(path):
        if module.split(".")[0] in PACKAGES:
            yield module, names


ALL_MODULES = list(modules())


@pytest.mark.parametrize(("name", "path"), ALL_MODULES, ids=[name for name, _ in ALL_MODULES])
def test_every_module_keeps_to_its_walls(name: str, path: Path) -> None:
    package = name.split(".", maxsplit=1)[0]
    for module, _names in project_imports(path):
        assert module.split(".")[0] in ALLOWED[package], f"{name} imports {module}"
        if package == "bot":
            assert module == "conversations" or not module.startswith("conversations."), (
                f"{name} reaches past conversations' public names into {module}"
            )


def _room(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) < 3:
        return None
    return ROOMS.index(parts[1]) if parts[1] in ROOMS else None


@pytest.mark.parametrize(
    ("name", "path"),
    [(n, p) for n, p in ALL_MODULES if _room(n) is not None],
    ids=[n for n, _ in ALL_MODULES if _room(n) is not None],
)
def test_rooms_in_bot_never_import_a_room_above(name: str, path: Path) -> None:
    own = _room(name)
    assert own is not None
    for module, _names in project_imports(path):
        if module == "bot.bootstrap" and name != ENTRY:
            pytest.fail(f"{name} imports the composition root; only {ENTRY} builds the club")
        other = _room(module)
        if other is not None and own != other:
            assert other < own, f"{name} ({ROOMS[own]}) imports {module} ({ROOMS[other]})"


def test_bot_has_nothing_at_its_top_but_its_face_and_the_composition_root() -> None:
    top = {path.name for path in (ROOT / "bot").glob("*.py")}
    assert top == TOP_OF_BOT
    rooms = {path.name for path in (ROOT / "bot").iterdir() if path.is_dir()}
    assert rooms - {"__pycache__"} == set(ROOMS)


POSITION_WRITERS = ("records.place(", "records.forget_position(")


def test_only_the_positions_module_writes_a_conversation_position() -> None:
    writer = ROOT / "bot" / "service" / "positions.py"
    found = [
        f"{path.relative_to(ROOT)}: {call}"
        for package in ("bot", "benchmarks")
        for path in (ROOT / package).rglob("*.py")
        if path != writer
        for call in POSITION_WRITERS
        if call in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_the_positions_module_writes_only_what_the_engine_decided() -> None:
    """Its writer takes the engine's `Position` (from an `Outcome`), never loose fields."""
    source = (ROOT / "bot" / "service" / "positions.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    keep = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "keep_position"
    )
    annotations = {arg.arg: ast.unparse(arg.annotation) for arg in keep.args.args if arg.annotation}
    assert annotations["position"] == "Position"


def test_a_breach_is_seen(tmp_path: Path) -> None:
    """The reader finds an import inside a function too, so the walls test can fail."""
    module = tmp_path / "leaky.py"
    module.write_text("def f():\n    from bot.service import dialogue\n", encoding="utf-8")
    assert list(project_imports(module)) == [("bot.service", ["dialogue"])]
