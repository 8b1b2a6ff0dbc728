"""Render the README's pictures through LibreOffice: `python docs/bilder.py`.

Runs the Hallsberg demo in a temporary folder and writes into docs/:
  arbetsbok.png, arbetsbok-2.png
                       one area sheet of a filled unit workbook as it prints: its first page across
                       (targets and outcomes) and its second (assessments, comments, actions)
  kf-oversikt.png      KF.xlsx's Översikt
  kf-omrade.png        a KF.xlsx area sheet (every unit's rows, with the council's)
  maluppfyllelse.png, maluppfyllelse-2.png
                       the first two pages of the Word chapter
  start.png            the Start sheet of the controller's Konsolidering.xlsm
Needs soffice, pdftoppm (poppler-utils) and the Carlito font (fonts-crosextra-carlito), which
LibreOffice shows Calibri in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def to_pdf(src: Path, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=300)
    return outdir / (src.stem + ".pdf")


def page_with(pdf: Path, *texts: str) -> int:
    """The first page holding every one of ``texts``."""
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    return next((i + 1 for i, p in enumerate(pages) if all(t in p for t in texts)), 1)


def png(pdf: Path, page: int, target: Path, dpi: int = 70, crop_height: float | None = None) -> None:
    """One page as PNG; ``crop_height`` keeps only the top part (share of an A4 landscape page)."""
    stem = target.with_suffix("")
    crop = ["-x", "0", "-y", "0", "-W", str(int(11.7 * dpi)), "-H", str(int(8.3 * dpi * crop_height))] if crop_height else []
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), *crop, "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
                   check=True)
    print(f"skrev {target}")


def main() -> int:
    from malbok import demo
    from malbok.api import excel_init
    from malbok.load import bundled_model

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        res = demo(t / "demo")
        ks = next(p for p in res["inlämnade"] if p.name.endswith("_KS.xlsx"))
        pdf = to_pdf(ks, t)
        first = page_with(pdf, "Mål och indikatorer", "Utfall")
        png(pdf, first, HERE / "arbetsbok.png", dpi=110, crop_height=0.45)
        png(pdf, page_with(pdf, "Mål och indikatorer", "Kommentar"), HERE / "arbetsbok-2.png", dpi=110, crop_height=0.45)
        pdf = to_pdf(res["kf"], t)
        png(pdf, 1, HERE / "kf-oversikt.png", dpi=90, crop_height=0.75)
        png(pdf, page_with(pdf, "Mål / indikator", "Måttenhet"), HERE / "kf-omrade.png", dpi=90, crop_height=0.75)
        pdf = to_pdf(res["docx"], t)
        png(pdf, 1, HERE / "maluppfyllelse.png")
        png(pdf, 2, HERE / "maluppfyllelse-2.png")
        book = excel_init(bundled_model(), res["period"].id, t / "demo" / "inlamnade", t / "Konsolidering.xlsm")
        shutil.copy(book, t / "Start.xlsm")
        pdf = to_pdf(t / "Start.xlsm", t)
        png(pdf, 1, HERE / "start.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
