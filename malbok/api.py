"""The Python functions behind every CLI command (and the Excel layer).

Each command of ``malbok`` is a thin shell over the function of the same name
here; see the README for both forms side by side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .load import ModelError, dump_yaml, load_model
from .model import Model
from .periods import periods_of_year


def _model(model: Model | str | Path) -> Model:
    return model if isinstance(model, Model) else load_model(model)


def validate(path: str | Path) -> Model:
    """Read and check a styrmodell (YAML or xlsx); raise :class:`ModelError` with every problem."""
    return load_model(path)


def schema() -> dict[str, Any]:
    """The JSON Schema of the styrmodell's YAML form (Swedish keys), for editors."""
    sch = Model.model_json_schema(by_alias=True)
    sch["title"] = "malbok styrmodell"
    sch["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return sch


def periods(model: Model | str | Path, year: int) -> list[str]:
    """The period ids of one year, ``YYYY-<tillfälle>``, in calendar order."""
    return [p.id for p in periods_of_year(_model(model), year)]


def convert(src: str | Path, dst: str | Path) -> Path:
    """Convert a styrmodell between YAML and xlsx, chosen by the file extensions."""
    src, dst = Path(src), Path(dst)
    model = load_model(src)
    suffix = dst.suffix.lower()
    if suffix == ".xlsx":
        from .modelbook import write_model_book

        return write_model_book(model, dst)
    if suffix in (".yaml", ".yml"):
        from .util import atomic_write_bytes

        atomic_write_bytes(dst, dump_yaml(model).encode("utf-8"))
        return dst
    raise ModelError(dst.name, [(dst.name, "okänd filtyp för målet; välj .yaml, .yml eller .xlsx")])


def show(model: Model | str | Path) -> dict[str, Any]:
    """The model as plain data (Swedish keys), as ``malbok show --json`` prints it."""
    return _model(model).to_data()


def show_json(model: Model | str | Path) -> str:
    return json.dumps(show(model), ensure_ascii=False, indent=2)


def generate(
    model: Model | str | Path,
    period: str,
    out: str | Path,
    units: list[str] | None = None,
    password: str | None = None,
    progress: Any = None,
) -> list[Any]:
    """Write one follow-up workbook per unit that reports at ``period`` into ``out``.

    Returns one :class:`~malbok.workbook.Generated` per unit asked for; a unit
    with nothing to report has ``path=None``.
    """
    from .periods import parse_period
    from .workbook import generate as _generate

    m = _model(model)
    p = parse_period(m, period)
    codes = {u.code for u in m.units}
    unknown = [u for u in units or [] if u not in codes]
    if unknown:
        raise ModelError("--unit", [("--unit", f"okänd enhet '{u}'; modellen har: {', '.join(sorted(codes))}") for u in unknown])
    return _generate(m, p, Path(out), units or None, password, progress)


def inspect(path: str | Path) -> Any:
    """Read a unit workbook back: its identity, rows (ID, kind, filled or empty) and findings."""
    from .returns import read_return

    return read_return(path)


def consolidate(
    model: Model | str | Path,
    returns: Any,
    period: str,
    out: str | Path | None = None,
    prefer: list[str | Path] | None = None,
    progress: Any = None,
) -> Any:
    """Consolidate returned workbooks (files or folders) for ``period``; write KF.xlsx to ``out`` if given."""
    from .consolidation import consolidate as _consolidate

    cons = _consolidate(_model(model), returns, period, prefer or (), progress)
    if out is not None:
        from .kfbook import write_kf

        write_kf(cons, out)
    return cons


def report(kf: str | Path, docx: str | Path) -> Path:
    """Write the Word chapter (``.docx``) for a KF.xlsx or Budget.xlsx written by malbok."""
    from .reports import report as _report

    return _report(kf, docx)


def export(kf: str | Path, csv: str | Path | None = None, parquet: str | Path | None = None) -> Any:
    """Write the tidy ``Data`` table of a KF.xlsx as CSV (Swedish Excel) and/or Parquet; return it."""
    from .reports import export as _export

    return _export(kf, csv, parquet)


def demo(out: str | Path, model: str | Path | None = None, period: str | None = None, progress: Any = None) -> dict[str, Any]:
    """The whole round trip on a bundled model: generate, fill as staff would, consolidate, report.

    Writes into ``out``: ``arbetsbocker/`` (as sent), ``inlamnade/`` (as returned),
    ``KF.xlsx``, ``Maluppfyllelse.docx`` and ``data.csv``. Returns what was written.
    """
    from .demodata import run_demo

    return run_demo(Path(out), model, period, progress)
