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


# code-shaped texts in malbok/ that are names of something else, each with what it is
NOT_CODES = {
    "ej-ändligt": "a cell note's kind in malbok.bounded (NaN, ±inf), mapped to the code ej-andligt-tal",
    "yyyy-mm-dd": "the date number format (malbok.layout.DATE_FORMAT)",
}


def test_every_code_shaped_text_is_a_registered_code() -> None:
    """Wherever a code is written (given to add or Finding, a rule's code=, Checked(...), a mapping, a default after
    ``or``), it is registered: every literal of malbok/ shaped like a code (lower-case words joined by '-') is a code of
    the registry, a sheet kind's name, or one of the few other names listed above. The walk above looks only at calls
    of add/Finding; this one leaves no place where an unregistered code could wait for the day it is emitted."""
    from malbok.layout import DATE_FORMAT, SHEET_KINDS

    assert NOT_CODES["yyyy-mm-dd"] and DATE_FORMAT == "yyyy-mm-dd"
    names = {s.name for s in SHEET_KINDS}
    literals: set[tuple[str, int, str]] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _shaped(node.value):
                literals.add((path.name, node.lineno, node.value))
    assert len({text for _f, _l, text in literals} & set(CODES)) >= 60  # the walk sees the codes where they are written
    strays = sorted((f, line, text) for f, line, text in literals if text not in CODES and text not in names and text not in NOT_CODES)
    assert not strays, f"code-shaped texts that are no registered code: {strays}"
