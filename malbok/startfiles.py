"""The ready workbooks a controller starts from, in the repository's ``workbooks/`` folder.

``malbok excel workbooks`` (``malbok.api.workbooks``) builds them all, the same bytes every time:

- ``Konsolidering.xlsm``: the controller's workbook with the Konsolidera button, set up for the Hallsberg example
  (the settings sheet says which model, period and folder; change them there), and ``Konsolidering.py`` beside it;
- ``modeller/<Kommun>.xlsx``: the three bundled styrmodeller as model workbooks, to read or to start from;
- ``inlamnade/``: the folder the button reads returns from (empty, with a note).

``tests/test_startfiles.py`` fails when the committed files differ from what this module builds.
"""

from __future__ import annotations

from pathlib import Path

from .util import atomic_write_bytes

BUNDLED = (("hallsberg", "Hallsberg"), ("soderhamn", "Söderhamn"), ("hallefors", "Hällefors"))
EXAMPLE_MODEL = "Hallsberg"
EXAMPLE_PERIOD = "2016-delar"
RETURNS = "inlamnade"
README_RETURNS = ("Spara nämndernas ifyllda arbetsböcker i den här mappen och klicka på Konsolidera i "
                  "Konsolidering.xlsm.\n")


def build(out: str | Path = "workbooks") -> list[Path]:
    """Write the ready workbooks into ``out``; the paths written, in order."""
    from .api import convert
    from .demodata import bundled_model
    from .excel import init_workbook

    out = Path(out)
    models = out / "modeller"
    models.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, name in BUNDLED:
        written.append(convert(bundled_model(stem), models / f"{name}.xlsx"))
    returns = out / RETURNS
    returns.mkdir(exist_ok=True)
    note = returns / "LÄS MIG.txt"
    atomic_write_bytes(note, README_RETURNS.encode("utf-8"))
    written.append(note)
    book = init_workbook(models / f"{EXAMPLE_MODEL}.xlsx", EXAMPLE_PERIOD, returns, out / "Konsolidering.xlsm")
    written += [book, book.with_suffix(".py")]
    return written
