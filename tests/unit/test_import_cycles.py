"""The house rule on import circles: no module of the package imports, however indirectly, itself.

The layer rule (test_layers.py) keeps rooms from importing upwards; this one holds inside a room
too, where two modules could still import each other. Imports are read with the same `ast` walk
(top level, inside functions and under TYPE_CHECKING alike): a lazy or type-only import is still
an arrow between two modules, and an arrow both ways means neither is the lower one.

`from package import name` is an arrow to `package.name` when that is a module, else to the
package itself; the parent packages Python runs on the way are not counted (every submodule would
otherwise sit in a circle with its package's `__init__`).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Mapping

from tests.unit.test_layers import dotted_name, import_statements, package_files

INIT = ".__init__"


def import_graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    """Module -> the modules among `sources` it imports.

    `sources` maps dotted file names (`personalize_mcp.auth.store`, `personalize_mcp.auth.__init__`)
    to their text; a package's `__init__` stands for the package.
    """
    modules = {name.removesuffix(INIT) for name in sources}
    graph: dict[str, set[str]] = {}
    for file_name, source in sources.items():
        module = file_name.removesuffix(INIT)
        arrows: set[str] = set()
        for _, base, names in import_statements(ast.parse(source), file_name):
            # `from base import name`: the submodule `base.name` if there is one, else `base`'s own names.
            targets = {f"{base}.{name}" if f"{base}.{name}" in modules else base for name in names} or {base}
            arrows |= {target for target in targets if target in modules and target != module}
        graph[module] = arrows
    return graph


def import_circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One circle per group of modules that reach each other, as the path `a -> b -> ... -> a`."""
    circles: list[list[str]] = []
    for group in _strongly_connected(graph):
        if len(group) > 1:
            circles.append(_circle_through(sorted(group)[0], group, graph))
    return sorted(circles)


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (a long chain of imports must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _circle_through(start: str, group: set[str], graph: Mapping[str, set[str]]) -> list[str]:
    """The shortest path from `start` back to itself inside `group` (breadth first)."""
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & group):
            if child == start:
                path = [node]
                while (parent := parents[path[-1]]) is not None:
                    path.append(parent)
                return [*reversed(path), start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is in a group of modules that reach each other, but no circle was found")


def package_graph() -> dict[str, set[str]]:
    return import_graph({dotted_name(path): path.read_text(encoding="utf-8") for path in package_files()})


def test_the_package_has_no_import_circle() -> None:
    graph = package_graph()
    assert len(graph) > 100  # the package was read
    assert "personalize_mcp.answers.upstream_errors" in graph["personalize_mcp.answers.lookups"]  # arrows were found
    assert [" -> ".join(circle) for circle in import_circles(graph)] == []


def test_a_circle_is_caught_wherever_its_imports_sit() -> None:
    sources = {
        "personalize_mcp.answers.__init__": "",
        "personalize_mcp.answers.lookups": "from personalize_mcp.answers import upstream_errors\n",
        "personalize_mcp.answers.upstream_errors": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from personalize_mcp.answers.paging import Page\n"
        ),
        "personalize_mcp.answers.paging": "def page():\n    from .lookups import Lookups\n",
        "personalize_mcp.answers.shapes": "import personalize_mcp.answers.paging\n",
    }
    assert import_circles(import_graph(sources)) == [
        [
            "personalize_mcp.answers.lookups",
            "personalize_mcp.answers.upstream_errors",
            "personalize_mcp.answers.paging",
            "personalize_mcp.answers.lookups",
        ]
    ]


def test_two_modules_importing_each_other_are_named() -> None:
    sources = {
        "personalize_mcp.sandbox.__init__": "from personalize_mcp.sandbox.app import create_sandbox_app\n",
        "personalize_mcp.sandbox.app": "from personalize_mcp.sandbox import data\n",
        "personalize_mcp.sandbox.data": "from personalize_mcp.sandbox import audit_data\n",
        "personalize_mcp.sandbox.audit_data": "def extend():\n    from personalize_mcp.sandbox import data as seed\n",
    }
    assert import_circles(import_graph(sources)) == [
        ["personalize_mcp.sandbox.audit_data", "personalize_mcp.sandbox.data", "personalize_mcp.sandbox.audit_data"]
    ]


def test_a_package_and_its_submodules_are_no_circle_nor_is_a_one_way_chain() -> None:
    sources = {
        "personalize_mcp.auth.__init__": "from personalize_mcp.auth.session import load_credentials\n",
        "personalize_mcp.auth.session": "from personalize_mcp.auth.store import AccountStore\n",
        "personalize_mcp.auth.store": "from personalize_mcp.auth import file_locks\nimport filelock\n",
        "personalize_mcp.auth.file_locks": "from personalize_mcp.runtime.errors import AccountStoreError\n",
        "personalize_mcp.runtime.errors": "",
    }
    graph = import_graph(sources)
    assert graph["personalize_mcp.auth.store"] == {"personalize_mcp.auth.file_locks"}
    assert import_circles(graph) == []
