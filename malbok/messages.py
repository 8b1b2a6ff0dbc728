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
