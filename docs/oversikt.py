"""Render KF.xlsx's Översikt sheet for the bundled models: `python docs/oversikt.py [modell ...]`.

Runs each bundled model's demo in a temporary folder, writes a workbook with only the
Översikt sheet (the same content and renderer as KF.xlsx), converts it with LibreOffice
and writes into docs/ one PNG per page: oversikt_<modell>.png, oversikt_<modell>_2.png, …
Needs soffice and pdftoppm (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = ("hallsberg", "hallefors", "soderhamn")
MAX_PAGES = 4


def overview_pdf(cons: object, outdir: Path) -> Path:
    """Översikt of a consolidation alone in a workbook, as PDF (via LibreOffice headless)."""
    import xlsxwriter

    from malbok.kfbook import kf_sheets, render_xlsxwriter

    xlsx = outdir / "Oversikt.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    render_xlsxwriter(wb, [s for s in kf_sheets(cons) if s.name == "Översikt"])  # type: ignore[arg-type]
    wb.close()
    profile = outdir / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)], check=True, capture_output=True, timeout=300)
    return outdir / "Oversikt.pdf"


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def render(model: str, target_dir: Path = HERE, dpi: int = 60) -> list[Path]:
    """The PNGs of Översikt for one bundled model (its demo period)."""
    from malbok import api

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        result = api.demo(out / "demo", Path(__file__).resolve().parents[1] / "templates" / f"{model}.yaml")
        pdf = overview_pdf(result["konsolidering"], out)
        for page in range(1, min(pages(pdf), MAX_PAGES) + 1):
            target = target_dir / (f"oversikt_{model}.png" if page == 1 else f"oversikt_{model}_{page}.png")
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(target.with_suffix(""))], check=True)
            written.append(target)
    return written


def main(argv: list[str]) -> None:
    for model in argv or MODELS:
        for path in render(model):
            print(f"skrev {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
