"""The finding-code registry: every code malbok emits has a Swedish title and a default severity."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import malbok
from malbok.findings import CODES, ERROR, INFO, REGISTRY, WARNING, Code, Finding

SOURCES = sorted(Path(malbok.__file__).parent.glob("*.py"))


def _emitted_codes() -> set[tuple[str, str]]:
    """(file, code) for every code given as a literal to ``add(...)``, ``Finding(...)`` or ``Code(...)``."""
    found: set[tuple[str, str]] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ("add", "Finding", "finding"):
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "code")]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value in _shaped(arg.value):
                    found.add((path.name, arg.value))
                elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "Code":
                    found.add((path.name, getattr(Code, arg.attr).value))
    return found


def _shaped(text: str) -> set[str]:
    """``{text}`` when it looks like a finding code (lower-case words joined by '-'), else empty."""
    parts = text.split("-")
    return {text} if len(parts) > 1 and all(p.isalpha() and p.islower() for p in parts) else set()


def test_every_emitted_code_is_registered() -> None:
    emitted = _emitted_codes()
    assert len(emitted) >= 35  # the walk finds the codes (a broken walk would pass with none)
    missing = sorted((f, c) for f, c in emitted if c not in CODES)
    assert not missing, f"codes emitted but not registered: {missing}"


def test_registry_is_complete_and_swedish() -> None:
    assert set(REGISTRY) == set(Code)
    for code, info in REGISTRY.items():
        assert info.title and info.title[0].isupper(), code
        assert info.severity in (ERROR, WARNING, INFO), code
        assert " " in info.title or len(info.title.split()) == 1 and info.title != code.value, code


def test_unregistered_code_cannot_be_emitted() -> None:
    with pytest.raises(ValueError, match="not registered"):
        Finding("f.xlsx", "", "", "", "over-ramen", "text", ERROR)
    assert Finding("f.xlsx", "", "", "", Code.OVER_FRAME, "text", ERROR).title == "Budgeten är över ramen"
