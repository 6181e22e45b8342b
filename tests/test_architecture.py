"""The package's rules: imports only go down, only cli/ prints, no module-level mutable state."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import relwork

ROOT = Path(__file__).parents[1]
PACKAGE = Path(relwork.__file__).parent

#: errors.py builds the exception hierarchy on click.ClickException (its ``show`` is what
#: click calls for an error): the one module outside cli/ that may import click
CLICK_OUTSIDE_CLI = {"errors.py"}

#: module-level state that functions still change, by name: none (memos live in objects
#: passed through the pipeline: BuildState, the bib index's memo, lint's LintMemory)
KNOWN_STATE: frozenset[str] = frozenset()

#: methods that change a dict, list or set in place
MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem",
            "remove", "discard", "clear", "sort", "reverse", "difference_update",
            "intersection_update", "symmetric_difference_update"}
MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}


def modules() -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the package, parsed source) of every module of relwork."""
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text("utf-8"))


def test_imports_only_go_down() -> None:
    """The layers contract in pyproject.toml, checked by import-linter."""
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is in the dev extra")
    assert (ROOT / "src" / "relwork") == PACKAGE, "run the tests on this tree's src/"
    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                            no_logo=True) == 0, "see the broken contract printed above"


def _prints(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "print":
                yield node.lineno, "print()"
            elif (isinstance(func, ast.Attribute) and func.attr == "write"
                  and isinstance(func.value, ast.Attribute)
                  and func.value.attr in ("stdout", "stderr")
                  and isinstance(func.value.value, ast.Name) and func.value.value.id == "sys"):
                yield node.lineno, f"sys.{func.value.attr}.write()"


def _click_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name == "click" or name.startswith("click."):
                yield node.lineno, f"import {name}"


def test_only_cli_imports_click_or_prints() -> None:
    found = []
    for name, tree in modules():
        if name.startswith("cli/"):
            continue
        found += [f"{name}:{line}: {what}" for line, what in _prints(tree)]
        if name not in CLICK_OUTSIDE_CLI:
            found += [f"{name}:{line}: {what}" for line, what in _click_imports(tree)]
    assert found == [], "printing and click belong in relwork/cli/"


def _is_mutable(value: ast.expr) -> bool:
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp,
                          ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in MUTABLE_CALLS
    return False


def _module_containers(tree: ast.Module) -> set[str]:
    """Names bound at module level to a new dict, list or set."""
    names = set()
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign) and _is_mutable(node.value):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value and _is_mutable(node.value):
            targets = [node.target]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _mutations(func: ast.AST, names: set[str]) -> Iterator[tuple[int, str, str]]:
    """(line, name, what) where a function body changes one of ``names`` or rebinds it
    (``global``). A name the function binds itself (not declared global) is its own."""
    declared = {n for node in ast.walk(func) if isinstance(node, ast.Global) for n in node.names}
    bound = {node.id for node in ast.walk(func)
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {arg.arg for node in ast.walk(func) if isinstance(node, ast.arguments)
              for arg in (*node.posonlyargs, *node.args, *node.kwonlyargs)}
    names = names - (bound - declared)
    for node in ast.walk(func):
        if isinstance(node, ast.Global):  # rebinding any module name is state
            for name in sorted(node.names):
                yield node.lineno, name, f"global {name}"
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del))
              and isinstance(node.value, ast.Name) and node.value.id in names):
            yield node.lineno, node.value.id, f"{node.value.id}[...] changed"
        elif (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
              and node.target.id in names):
            yield node.lineno, node.target.id, f"{node.target.id} changed in place"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in MUTATORS and isinstance(node.func.value, ast.Name)
              and node.func.value.id in names):
            name = node.func.value.id
            yield node.lineno, name, f"{name}.{node.func.attr}()"


def test_no_module_level_mutable_state() -> None:
    """A dict, list or set made at module level is a constant: no function changes it."""
    found = []
    for name, tree in modules():
        containers = _module_containers(tree)
        functions = [n for n in ast.walk(tree)
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for func in functions:
            for line, state, what in _mutations(func, containers):
                if state not in KNOWN_STATE:
                    found.append(f"{name}:{line}: {what}")
    assert sorted(set(found)) == []


def test_the_rule_checks_find_what_they_look_for() -> None:
    """The checks above see a print, a click import and a mutated module dict."""
    tree = ast.parse("import click\nimport sys\nSEEN = {}\n\n"
                     "def f(x):\n    print(x)\n    sys.stderr.write(x)\n    SEEN[x] = 1\n")
    assert [what for _, what in _prints(tree)] == ["print()", "sys.stderr.write()"]
    assert [what for _, what in _click_imports(tree)] == ["import click"]
    func = tree.body[-1]
    assert [what for _, _, what in _mutations(func, _module_containers(tree))] == [
        "SEEN[...] changed"]
    local = ast.parse("SEEN = []\n\ndef f():\n    SEEN = []\n    SEEN.append(1)\n")
    assert list(_mutations(local.body[-1], _module_containers(local))) == []
    rebound = ast.parse("FOUND = None\n\ndef f():\n    global FOUND\n    FOUND = 1\n")
    assert [what for _, _, what in _mutations(rebound.body[-1], set())] == ["global FOUND"]
