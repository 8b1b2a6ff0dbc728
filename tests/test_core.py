"""Issue 17: one layout, one pipeline — the defects found where the same thing was written twice."""

from __future__ import annotations

from malbok import consolidate, generate

from .helpers import type_in

PERIOD = "2016-delar"


def test_negative_rank_is_refused_not_judged(hallsberg, tmp_path):
    """A rank of −3 is outside what the workbook's validation allows: the reader says so and judges nothing from it."""
    books = {g.unit: g.path for g in generate(hallsberg, PERIOD, tmp_path, units=["BIN"])}
    where = type_in(books["BIN"], [("Livslångt lärande", "LL7", "Utfall", -3)])
    cons = consolidate(hallsberg, [books["BIN"]], PERIOD)
    cell = where[("Livslångt lärande", "LL7", "Utfall")]
    hits = [f for f in cons.findings if f.row_id == "LL7" and f.code == "utanfor-intervall"]
    assert [(f.sheet, f.cell) for f in hits] == [("Livslångt lärande", cell)]
    assert "placering" in hits[0].message
    row = cons.data[(cons.data["Enhet"] == "BIN") & (cons.data["ID"] == "LL7")].iloc[0]
    assert row["Förslag"] != "Uppfyllt" and "-3" not in row["Förslagsskäl"]
