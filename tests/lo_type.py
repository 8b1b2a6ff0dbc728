"""Type into workbooks through LibreOffice itself, the way a person does, and save them as xlsx.

Run with the system python that has LibreOffice's ``uno`` module (Debian: python3-uno), not the
project's python::

    /usr/bin/python3 tests/lo_type.py --locale sv-SE --profile /tmp/p jobs.json

``jobs.json`` is a list of ``{"in": path, "out": path, "cells": [[sheet, "J5", "85,5 %"], ...]}``.
Each text is entered as the cell's ``FormulaLocal``: Calc parses it as typed input in the office's
locale (decimal comma or point, percent and date recognition, a text-formatted cell keeps the text,
'=…' elsewhere is a formula), the locale being the office's locale setting (Tools ▸ Options ▸
Language Settings ▸ Locale setting, ``ooSetupSystemLocale``) in a private profile. The same texts
also go through ``.uno:EnterString``, the command the cell editor sends on Enter, in a copy of the
workbook that is closed unsaved, and both results are printed, so the test can check that they
agree on every cell. EnterString cannot make the saved file itself: LibreOffice 7.4 headless aborts
after saving a document typed into that way. ``cell.setFormula`` would not do: it parses English
whatever the locale. Validation is not applied (as in a paste), so the reader has to cope with what
the rules would refuse. The workbook is saved with the "Calc MS Excel 2007 XML" filter.

Prints, as JSON, per job and cell: the sheet, cell, text typed, what the cell holds afterwards
(type, value, shown text, number format) and, under ``entered``, what EnterString made of it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

LOCALE_ITEM = ('<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">'
               "<value>{}</value></prop></item>")


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def profile(path: Path, locale: str) -> None:
    """A fresh LibreOffice profile whose locale setting is ``locale``."""
    subprocess.run(["soffice", f"-env:UserInstallation={path.as_uri()}", "--headless", "--norestore",
                    "--terminate_after_init"], check=True, capture_output=True, timeout=120)
    xcu = path / "user" / "registrymodifications.xcu"
    text = xcu.read_text(encoding="utf-8")
    xcu.write_text(text.replace("</oor:items>", LOCALE_ITEM.format(locale) + "\n</oor:items>"), encoding="utf-8")


def connect(pipe: str, office: subprocess.Popen) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if office.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"LibreOffice svarar inte (slutkod {office.poll()})") from None
            time.sleep(0.2)


def type_cells(ctx: object, job: dict) -> list[dict]:
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(Path(job["in"]).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        raise SystemExit(f"LibreOffice öppnar inte {job['in']}")
    try:
        done = []
        for sheet_name, a1, text in job["cells"]:
            cell = doc.Sheets.getByName(sheet_name).getCellRangeByName(a1)
            cell.setPropertyValue("FormulaLocal", text)
            done.append({"sheet": sheet_name, "cell": a1, "typed": text, **_state(doc, cell)})
        doc.storeToURL(Path(job["out"]).resolve().as_uri(), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        return done
    finally:
        doc.close(True)


def _state(doc: object, cell: object) -> dict:
    return {"type": cell.Type.value, "value": cell.Value, "shown": cell.String,
            "format": doc.NumberFormats.getByKey(cell.NumberFormat).FormatString}


def entered(ctx: object, job: dict) -> list[dict]:
    """The same texts sent through ``.uno:EnterString`` (what the cell editor sends on Enter), in a copy
    of the workbook that is closed unsaved: what each cell then holds, to compare with ``type_cells``."""
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    dispatch = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    doc = desktop.loadComponentFromURL(Path(job["in"]).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
    if doc is None:
        raise SystemExit(f"LibreOffice öppnar inte {job['in']}")
    try:
        controller = doc.CurrentController
        out = []
        for sheet_name, a1, text in job["cells"]:
            sheet = doc.Sheets.getByName(sheet_name)
            controller.setActiveSheet(sheet)
            dispatch.executeDispatch(controller.Frame, ".uno:GoToCell", "", 0, (prop("ToPoint", a1),))
            dispatch.executeDispatch(controller.Frame, ".uno:EnterString", "", 0, (prop("StringName", text),))
            out.append(_state(doc, sheet.getCellRangeByName(a1)))
        return out
    finally:
        doc.close(True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--locale", required=True)
    ap.add_argument("--profile", required=True, type=Path)
    ap.add_argument("jobs", type=Path)
    args = ap.parse_args()
    jobs = json.loads(args.jobs.read_text(encoding="utf-8"))
    profile(args.profile, args.locale)
    pipe = f"malbok_lo_type_{os.getpid()}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation={args.profile.as_uri()}", "--headless", "--norestore",
                               "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=open(os.environ.get("LO_TYPE_LOG", os.devnull), "w"), start_new_session=True)
    try:
        ctx = connect(pipe, office)
        out = [type_cells(ctx, job) for job in jobs]
        for job, done in zip(jobs, out, strict=True):
            for cell, state in zip(done, entered(ctx, job), strict=True):
                cell["entered"] = state
        try:
            ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx).terminate()
        except Exception:  # noqa: BLE001 - the bridge closes as the office exits
            pass
        office.wait(30)
    finally:
        if office.poll() is None:  # the office and the processes it started, by its own process group
            os.killpg(office.pid, signal.SIGKILL)
            office.wait(10)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
