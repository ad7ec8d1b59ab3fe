"""The house rule: imports run down the layers, never up, and the lower rooms never import `mcp`.

Every `import` statement of the package (top-level, inside functions and under TYPE_CHECKING alike)
is read with `ast`, so a lazy import cannot slip past. The table below is the one in
ARCHITECTURE.md / the README's "Layout": a room may import itself and the rooms it lists.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import personalize_mcp

PACKAGE = Path(personalize_mcp.__file__).parent

COMMANDS = "(commands)"
"""The top-level modules (`cli`, `__main__`) and the `demo/` package: they may import every room."""

COMMAND_PACKAGES = {"cli", "demo"}
"""Folders that hold a command rather than a room (the demo's sections): part of COMMANDS."""

ALLOWED: dict[str, set[str]] = {
    "runtime": set(),
    "config": {"runtime"},
    "rules": {"runtime"},
    "auth": {"config", "runtime"},
    "contentstack": {"auth", "config", "runtime"},
    "answers": {"contentstack", "rules", "auth", "store", "config", "runtime"},
    "store": {"config", "runtime"},
    "sandbox": set(),
    "connection": {"answers", "contentstack", "auth", "store", "config", "runtime", "sandbox"},
    "mcp_server": {"answers", "runtime"},
    "broker": {"contentstack", "auth", "store", "config", "runtime"},
    "transport": {"mcp_server", "connection", "broker", "answers", "auth", "store", "config", "runtime"},
}
"""Room -> the other rooms it may import (the package's `__init__`, for `__version__`, is open to all)."""

NO_MCP = {"runtime", "config", "rules", "auth", "contentstack", "answers", "store", "sandbox", "connection"}
"""Rooms that must work without the MCP SDK: they never import `mcp` or `mcp_types`."""


def room_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] not in COMMAND_PACKAGES else COMMANDS


def import_statements(tree: ast.AST, module: str) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """Every import in `tree`, wherever it sits: its line, the absolute module it names (relative
    imports resolved against `module`) and the names a `from` import takes from it (none for `import`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: -node.level]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            yield node.lineno, base, tuple(alias.name for alias in node.names)


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Absolute names of everything `tree` imports (relative imports resolved against `module`)."""
    found: list[tuple[int, str]] = []
    for line, base, names in import_statements(tree, module):
        found.append((line, base))
        # `from personalize_mcp import answers` names a room too.
        if base == "personalize_mcp":
            found.extend(
                (line, f"personalize_mcp.{name}")
                for name in names
                if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()
            )
    return found


def dotted_name(path: Path) -> str:
    """`personalize_mcp.auth.store` for auth/store.py (`….auth.__init__` for a package's own file)."""
    return "personalize_mcp." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def violations(path: Path, source: str) -> list[str]:
    room = room_of(path)
    module = dotted_name(path)
    problems: list[str] = []
    for line, name in imported_modules(ast.parse(source), module):
        top = name.split(".")[0]
        if room in NO_MCP and top in ("mcp", "mcp_types"):
            problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}: {room} must not import mcp")
        if top != "personalize_mcp" or room == COMMANDS:
            continue
        parts = name.split(".")
        if len(parts) == 1:
            continue  # the package itself (`__version__`)
        target = parts[1]
        target_room = target if (PACKAGE / target).is_dir() and target not in COMMAND_PACKAGES else COMMANDS
        if target_room == room:
            continue
        if target_room == COMMANDS or target_room not in ALLOWED[room]:
            problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}: {room} may not import {target_room}")
    return problems


def package_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_folder_is_a_known_room_with_a_docstring() -> None:
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} - COMMAND_PACKAGES
    assert rooms == set(ALLOWED), "a new folder needs its row in ALLOWED (and in the README's Layout)"
    for room in rooms:
        docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert docstring and "import" in docstring.lower(), f"{room}/__init__.py must say what it holds and may import"


def test_imports_run_down_the_layers_only() -> None:
    problems = [problem for path in package_files() for problem in violations(path, path.read_text())]
    assert problems == []


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("answers/audiences.py", "import mcp\n"),
        ("contentstack/http.py", "from mcp_types import TextContent\n"),
        ("rules/render.py", "def f():\n    from mcp.server import MCPServer\n"),
        ("answers/audiences.py", "from personalize_mcp.mcp_server.server import build_server\n"),
        ("contentstack/cms.py", "from personalize_mcp.answers import lookups\n"),
        ("runtime/cache.py", "from personalize_mcp.config.settings import ServerSettings\n"),
        ("sandbox/data.py", "from personalize_mcp.runtime.errors import UserFacingError\n"),
        ("auth/store.py", "from personalize_mcp import cli\n"),
        ("answers/audiences.py", "from personalize_mcp.demo.printer import Printer\n"),
        ("transport/serve.py", "from personalize_mcp import demo\n"),
        ("answers/lookups.py", "from ..mcp_server import tools\n"),
    ],
)
def test_an_upward_import_is_caught(relative: str, source: str) -> None:
    assert violations(PACKAGE / relative, source), f"{relative}: {source!r} should be refused"


def test_downward_imports_pass() -> None:
    assert violations(PACKAGE / "answers/audiences.py", "from personalize_mcp.rules.render import x\n") == []
    assert violations(PACKAGE / "transport/serve.py", "from personalize_mcp.mcp_server.server import x\n") == []
    assert violations(PACKAGE / "cli.py", "from personalize_mcp.transport.serve import run_serve\n") == []
    assert violations(PACKAGE / "demo/run.py", "from personalize_mcp.transport.serve import run_serve\n") == []
