from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# xlwings PRO's remote engine (xw.Book(json=...)) is free under the PolyForm Noncommercial
# licence, which covers government institutions; xlwings registers it at import time.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"


@pytest.fixture(scope="session", autouse=True)
def _bundled_models_stay_as_they_are():
    """No test writes beside the bundled models (a history store there would feed later runs' suggestions)."""
    before = sorted(p.name for p in TEMPLATES.iterdir())
    yield
    after = sorted(p.name for p in TEMPLATES.iterdir())
    assert after == before, f"en test skrev i {TEMPLATES}: {sorted(set(after) - set(before))}"


@pytest.fixture(scope="session")
def hallsberg():
    from malbok import load_model

    return load_model(TEMPLATES / "hallsberg.yaml")


@pytest.fixture(scope="session")
def hallefors():
    from malbok import load_model

    return load_model(TEMPLATES / "hallefors.yaml")


@pytest.fixture(scope="session")
def soderhamn():
    from malbok import load_model

    return load_model(TEMPLATES / "soderhamn.yaml")


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice (soffice) saknas; .ci/run installerar libreoffice-calc-nogui")
    return exe


def lo_convert(files: list[Path], outdir: Path, to: str = "csv") -> list[Path]:
    """Convert files with LibreOffice headless; return the produced files."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )
    ext = to.split(":")[0]
    return [outdir / (f.stem + "." + ext) for f in files]
