"""magbot uses python-telegram-bot through its public API only (issue 17): no protected name such as
`Bot._post`, no import from a private module (`telegram._utils`, ...), so a minor PTB release cannot break it.

A name counts as PTB's own when some public PTB class defines it; a file may still use a name of that
spelling for its own attribute if it defines it itself (e.g. a sender's own `_post` method).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import telegram
import telegram.error
import telegram.request

import magbot

ROOT = Path(magbot.__file__).parent


def ptb_private_names() -> set[str]:
    names: set[str] = set()
    for module in (telegram, telegram.request, telegram.error):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__.startswith("telegram"):
                names |= {n for c in cls.__mro__ for n in vars(c) if n.startswith("_") and not n.startswith("__")}
    return names


def own_names(tree: ast.AST) -> set[str]:
    """Names a file defines for itself: functions, classes, `self.x = ...` and class-level assignments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def offences(source: str, private: set[str]) -> list[str]:
    tree = ast.parse(source)
    mine = own_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in private and node.attr not in mine:
            found.append(f"line {node.lineno}: .{node.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr"):
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and name.value in private and name.value not in mine:
                found.append(f"line {node.lineno}: {node.func.id} {name.value}")
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        modules += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        found += [f"line {node.lineno}: import {m}" for m in modules if m.startswith("telegram") and "._" in m]
    return found


def test_the_checker_catches_a_protected_call_and_a_private_import() -> None:
    private = ptb_private_names()
    assert "_post" in private
    bad = (
        "from telegram._utils.types import JSONDict\nasync def f(bot):\n    return await bot._post('getUpdates', {})\n"
    )
    assert offences(bad, private) == ["line 1: import telegram._utils.types", "line 3: ._post"]
    assert offences("def f(e):\n    return getattr(e, '_retry_after', None)\n", private) == [
        "line 2: getattr _retry_after"
    ]
    assert offences("class S:\n    async def _post(self):\n        return await self._post()\n", private) == []


def test_magbot_uses_no_private_ptb_name() -> None:
    private = ptb_private_names()
    found = {
        str(path.relative_to(ROOT)): hits
        for path in sorted(ROOT.rglob("*.py"))
        if (hits := offences(path.read_text(), private))
    }
    assert found == {}
