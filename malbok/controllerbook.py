"""The controller's workbook ``Konsolidering.xlsm``: a Start sheet with the Konsolidera button, the settings
sheet the button reads (:mod:`malbok.excel`), and xlwings' own settings sheet; and the ``.py`` beside it that
the button's macro imports. Written with XlsxWriter, the same bytes for the same arguments.
"""

from __future__ import annotations

from pathlib import Path

from .layout import PERIOD_RULE, SETTINGS_LAYOUT, Rule
from .model import Model
from .util import InputError

START_SHEET = "Start"
SETTINGS_SHEET = SETTINGS_LAYOUT.name
CONF_SHEET = "xlwings.conf"

# the settings, declared once in malbok.layout.SETTINGS_LAYOUT: key, label in column A, rule of the value in B, help in C
SETTINGS = tuple((f.key, f.header, f.help_text) for f in SETTINGS_LAYOUT.fields)
LABELS = {f.key: f.header for f in SETTINGS_LAYOUT.fields}
STATUS_LABEL = "Status"
_PERIOD_LIST_COLUMN = 4  # column E of the settings sheet (hidden): the periods, when they are too many for Excel's inline list


def period_rule(model: Model) -> Rule:
    """The Period setting's rule for ``model``: one of its periods in the years of its mandate (Excel warns at
    another, since the model may have grown since the workbook was made; the button then says so)."""
    from .periods import periods_of_year

    ids = [p.id for y in range(model.mandate.start, model.mandate.end + 1) for p in periods_of_year(model, y)]
    return PERIOD_RULE.among(ids)


def setting_rules(model: Model) -> dict[str, Rule]:
    """Each setting's rule, made for ``model`` where it depends on it: what the writer validates and the reader checks."""
    return {f.key: period_rule(model) if f.key == "period" else f.rule for f in SETTINGS_LAYOUT.fields if f.rule is not None}


BUTTON_MACRO = "SampleCall"  # the macro of xlwings' quickstart VBA project: RunPython "import <bok>; <bok>.main()"


def _xlwings_vba() -> bytes:
    """The VBA project that the xlwings package ships in its standalone quickstart workbook."""
    import zipfile
    from importlib.util import find_spec

    spec = find_spec("xlwings")
    assert spec is not None and spec.origin is not None, "xlwings is a dependency of malbok"
    src = Path(spec.origin).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(src) as z:
        return z.read("xl/vbaProject.bin")


ENTRY_PY = '''"""Called by the Konsolidera button in {book} (xlwings RunPython runs main()).

Written by `malbok excel init`; the work is done by malbok.excel.konsolidera,
the same consolidation as `malbok consolidate`.
"""

from malbok.excel import konsolidera


def main() -> None:
    konsolidera()
'''


def init_workbook(model: str | Path, period: str, returns: str | Path, out: str | Path,
                  interpreter: str | None = None) -> Path:
    """Build the controller's ``Konsolidering.xlsm``: Start sheet with a Konsolidera button,
    ``Inställningar`` filled from the arguments and the ``xlwings.conf`` sheet; write the
    same-named ``.py`` beside it that the button's macro imports.
    """
    import io

    from .load import load_model
    from .periods import parse_period
    from .util import atomic_write_bytes, atomic_xlsx
    from .workbook import FIXED_DATE, kommun
    from .xlstyle import fitted_height, page_setup

    out = Path(out)
    if out.suffix.lower() != ".xlsm":
        raise InputError(f"{out.name}: arbetsboken med knappen måste sluta på .xlsm")
    if not out.stem.isidentifier():
        raise InputError(f"{out.name}: namnet får bara innehålla bokstäver, siffror och _ (knappen importerar '{out.stem}.py')")
    m = load_model(model)
    p = parse_period(m, period)
    out.parent.mkdir(parents=True, exist_ok=True)

    def rel(x: str | Path) -> str:
        x = Path(x).resolve()
        try:
            return str(x.relative_to(out.parent.resolve()))
        except ValueError:
            return str(x)

    with atomic_xlsx(out) as wb:
        wb.set_properties({"title": f"Konsolidering {p.name}", "company": kommun(m.municipality.name), "author": "malbok",
                           "created": FIXED_DATE})
        wb.add_vba_project(io.BytesIO(_xlwings_vba()), is_stream=True)
        wb.set_vba_name("ThisWorkbook")
        title = wb.add_format({"bold": True, "font_size": 18, "font_color": "#1F4E78"})
        bold = wb.add_format({"bold": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
        value_format = SETTINGS_LAYOUT.field("model").num_format  # the settings are texts: a path '2016' stays one
        cellf = wb.add_format({"border": 1, "bg_color": "#FFF2CC", "text_wrap": True, "valign": "top", "num_format": value_format})
        grey = wb.add_format({"font_color": "#595959", "text_wrap": True, "valign": "top", "italic": True})

        start = wb.add_worksheet(START_SHEET)
        start.set_vba_name("Sheet1")
        start.hide_gridlines(2)
        start.set_column(0, 0, 16)
        start.set_column(1, 1, 90)
        start.write_string(0, 0, f"Konsolidering – {kommun(m.municipality.name)}", title)
        start.write_string(2, 0, "Period", bold)
        start.write_string(2, 1, p.name)
        start.write_string(3, 0, "Gör så här", bold)
        steps = ("1. Spara nämndernas ifyllda arbetsböcker i mappen som anges på bladet Inställningar.\n"
                 "2. Kontrollera inställningarna (styrmodell, period, mapp).\n"
                 "3. Klicka på Konsolidera. Resultatet skrivs i bladen Översikt, ett blad per område, Enheter, Kontroll och Data.\n"
                 "4. Gå igenom bladet Kontroll: varje problem står med fil, blad och cell.")
        start.write_string(3, 1, steps, wrap)
        start.set_row(3, 75)
        start.insert_button("B6", {"macro": BUTTON_MACRO, "caption": "Konsolidera", "width": 180, "height": 44})
        start.write_string(9, 0, STATUS_LABEL, bold)
        start.write_string(9, 1, "Inte körd ännu.")
        start.write_string(11, 0, "Kräver", bold)
        start.write_string(11, 1, "Python med malbok och xlwings installerade (python -m pip install . i en klon av malbok). Knappen kör "
                                  f"{out.stem}.py i samma mapp som denna arbetsbok.", grey)

        st = wb.add_worksheet(SETTINGS_SHEET)
        st.set_vba_name("Sheet2")
        widths = SETTINGS_LAYOUT.widths
        for c, w in enumerate(widths):
            st.set_column(c, c, w)
        st.write_row(0, 0, list(SETTINGS_LAYOUT.headers), head)
        values = {"model": rel(model), "period": p.id, "returns": rel(returns), "prefer": "", "kf": "KF.xlsx",
                  "docx": "Maluppfyllelse.docx", "csv": "data.csv", "status": "", "written": ""}
        rules = setting_rules(m)
        for r, fld in enumerate(SETTINGS_LAYOUT.fields, start=1):
            key, label, help_ = fld.key, fld.header, fld.help_text
            st.write_string(r, 0, label, bold)
            st.write_string(r, 1, values[key], cellf if key in rules else wrap)
            st.write_string(r, 2, help_, grey)
            st.set_row(r, fitted_height([(label, widths[0]), (values[key], widths[1]), (help_, widths[2])], font_pt=11, bold=True))
            rule = rules.get(key)
            if rule is None:
                continue
            opts = fld.validation(rule)
            if rule.kind == "list" and not rule.inline():  # the periods in a hidden column, the list its range
                st.write_column(1, _PERIOD_LIST_COLUMN, list(rule.values))
                col = chr(ord("A") + _PERIOD_LIST_COLUMN)
                opts["source"] = f"=${col}$2:${col}${1 + len(rule.values)}"
            st.data_validation(r, 1, r, 1, opts)
        if any(rule.kind == "list" and not rule.inline() for rule in rules.values()):
            st.set_column(_PERIOD_LIST_COLUMN, _PERIOD_LIST_COLUMN, None, None, {"hidden": True})
        document = f"Konsolidering {p.name}"
        page_setup(start, kommun=kommun(m.municipality.name), document=document, period=p.name, where=START_SHEET,
                   widths=[16, 90], font_pt=11)
        page_setup(st, kommun=kommun(m.municipality.name), document=document, period=p.name, where=SETTINGS_SHEET,
                   widths=widths, header_row=0, key_columns=1, font_pt=11)

        start.write_string(12, 1, "Om Excel startar fel Python: ange sökvägen på bladet xlwings.conf, som är dolt "
                                  "(högerklicka på en bladflik och välj Ta fram).", grey)

        # xlwings reads its settings from A1 down on a sheet of this name; hidden, since nobody needs to see its English keys
        conf = wb.add_worksheet(CONF_SHEET)
        conf.set_vba_name("Sheet3")
        conf.set_column(0, 0, 30)
        conf.set_column(1, 1, 70)
        rows = [("UDF Modules", "malbok.excel"), ("ADD_WORKBOOK_TO_PYTHONPATH", "True")]
        if interpreter:
            rows += [("Interpreter_Win", interpreter), ("Interpreter_Mac", interpreter)]
        for r, (k, v) in enumerate(rows):
            conf.write_string(r, 0, k)
            conf.write_string(r, 1, v)
        hint = len(rows) + 1  # after an empty row: xlwings reads only the block from A1
        conf.write_string(hint, 0, "Tips (läses inte av xlwings):", bold)
        tips = ("Interpreter_Win / Interpreter_Mac: lägg till raderna ovan med sökvägen till den Python där malbok är "
                "installerat, om Excel hittar fel Python (t.ex. C:\\Python312\\python.exe).",
                "PYTHONPATH: behövs inte; mappen med denna arbetsbok läggs till automatiskt.")
        for i, tip in enumerate(tips, start=1):
            conf.merge_range(hint + i, 0, hint + i, 1, tip, grey)
            conf.set_row(hint + i, 32)
        conf.hide()
        start.activate()
    atomic_write_bytes(out.with_suffix(".py"), ENTRY_PY.format(book=out.name).encode("utf-8"))
    return out
