"""Small helpers shared by the writers."""

from __future__ import annotations

import gc
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import InputError as InputError  # where it was defined before: older imports keep working


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while many small objects are made and kept.

    Reading a thousand returns makes hundreds of thousands of dicts and none
    of them form cycles; the collector would only rescan the (large) model
    again and again. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O", "é": "e", "É": "E"})


def slug(text: str, max_len: int = 40) -> str:
    """ASCII-safe file name part: letters, digits, '-' and '_' only."""
    text = text.translate(_ASCII)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_.")
    return (text[:max_len].strip("-_") or "x")


def _plain_mode(fd_or_path: int | str) -> None:
    """mkstemp makes files private (0600); outputs get the usual mode (0666 minus the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    if isinstance(fd_or_path, int):
        os.fchmod(fd_or_path, 0o666 & ~mask)
    else:
        os.chmod(fd_or_path, 0o666 & ~mask)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename: never a half-written output."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".malbok-", suffix=path.suffix, dir=path.parent)
    _plain_mode(fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_xlsx(path: Path, **options: Any) -> Iterator[Any]:
    """An XlsxWriter workbook written to a temporary file beside ``path`` and renamed on success.

    Texts are written as texts (never turned into numbers, formulas or links).
    """
    import xlsxwriter

    path = Path(path)
    tmp = temp_beside(path)
    try:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False, **options})
        yield wb
        wb.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def temp_beside(path: Path) -> str:
    fd, tmp = tempfile.mkstemp(prefix=".malbok-", suffix=path.suffix, dir=path.parent)
    _plain_mode(fd)
    os.close(fd)
    return tmp
