"""Render the README's pictures through LibreOffice: `python docs/bilder.py`.

Runs the Hallsberg demo in a temporary folder and writes into docs/:
  arbetsbok.png      one area sheet of a filled unit workbook
  maluppfyllelse.png the first page of the Word chapter
  start.png          the Start sheet of the controller's Konsolidering.xlsm
Needs soffice and pdftoppm (poppler-utils).
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


def page_with(pdf: Path, text: str) -> int:
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    return next((i + 1 for i, p in enumerate(pages) if text in p), 1)


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
        png(pdf, page_with(pdf, "Mål och indikatorer"), HERE / "arbetsbok.png", dpi=150, crop_height=0.22)
        pdf = to_pdf(res["docx"], t)
        png(pdf, 1, HERE / "maluppfyllelse.png")
        book = excel_init(bundled_model(), res["period"].id, t / "demo" / "inlamnade", t / "Konsolidering.xlsm")
        shutil.copy(book, t / "Start.xlsm")
        pdf = to_pdf(t / "Start.xlsm", t)
        png(pdf, 1, HERE / "start.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
