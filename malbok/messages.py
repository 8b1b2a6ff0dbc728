"""What a person sees of a message: control characters made visible, system errors in Swedish."""

from __future__ import annotations

import errno
import re

# C0 controls and DEL as the Unicode control pictures (\x1b as ␛); C1 controls, bidirectional
# overrides and other invisible format characters as <U+XXXX>, so a cell's text can neither
# move the terminal's cursor, clear the screen, set the window title nor turn text around.
_PICTURES = {c: chr(0x2400 + c) for c in range(0x20)} | {0x7F: "\u2421"}
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with every control character shown as a visible sign (``\\x1b`` as ``␛``)."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda m: _PICTURES.get(ord(m.group()), f"<U+{ord(m.group()):04X}>"), text)


_OS_ERRORS = {
    errno.EACCES: "åtkomst nekad (behörighet saknas)",
    errno.EPERM: "åtgärden är inte tillåten (behörighet saknas)",
    errno.ENOENT: "filen eller mappen finns inte",
    errno.EISDIR: "är en mapp, inte en fil",
    errno.ENOTDIR: "en del av sökvägen är inte en mapp",
    errno.EEXIST: "finns redan",
    errno.ENOSPC: "disken är full",
    errno.EROFS: "filsystemet är skrivskyddat",
    errno.ENAMETOOLONG: "namnet är för långt",
    errno.ELOOP: "för många länkar i rad (en länk som pekar på sig själv?)",
    errno.EMFILE: "för många öppna filer",
    errno.EBUSY: "filen används av ett annat program",
    errno.ETXTBSY: "filen används av ett annat program",
    errno.EIO: "läs- eller skrivfel på disken",
    errno.EINVAL: "ogiltig sökväg eller åtgärd",
    errno.EXDEV: "filen kan inte flyttas mellan olika diskar",
    errno.ENXIO: "enheten finns inte",
    errno.EAGAIN: "resursen är tillfälligt upptagen",
    errno.ENOTEMPTY: "mappen är inte tom",
    errno.EFBIG: "filen är för stor",
    errno.EDQUOT: "diskkvoten är slut",
}


def os_error_text(e: OSError) -> str:
    """An operating-system error in Swedish, with the file it concerns."""
    what = _OS_ERRORS.get(e.errno or -1) or (f"systemfel {errno.errorcode.get(e.errno, e.errno)}" if e.errno else "systemfel")
    where = e.filename if e.filename is not None else ""
    other = f" → {e.filename2}" if getattr(e, "filename2", None) else ""
    return f"{what} ({visible(str(where))}{other})" if where else what


_SQLITE_ERRORS = (
    ("database is locked", "filen är låst av en annan körning som skriver i den; försök igen om en stund"),
    ("file is not a database", "filen är inte en SQLite-databas"),
    ("file is encrypted", "filen är inte en SQLite-databas"),
    ("unable to open database file", "filen kan inte öppnas (finns mappen, och får den skrivas?)"),
    ("readonly database", "filen är skrivskyddad"),
    ("disk i/o error", "läs- eller skrivfel på disken"),
    ("database or disk is full", "disken är full"),
    ("database disk image is malformed", "filen är skadad"),
    ("no such table", "filen är inte en historikfil från malbok"),
)


def sqlite_error_text(e: BaseException) -> str:
    """An error from SQLite (the history store) in Swedish; its own words only when not recognised."""
    text = str(e).lower()
    for key, swedish in _SQLITE_ERRORS:
        if key in text:
            return swedish
    return f"databasfel (teknisk uppgift: {visible(str(e))[:120]})"
