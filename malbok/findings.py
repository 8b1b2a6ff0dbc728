"""Findings: problems in the users' data, collected as data, never raised.

The shape follows frictionless-py's validation reports: a code, a place and a
message a person can read, so that a program can filter and a controller can
act. Severity is ``fel`` (error), ``varning`` (warning) or ``info``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "fel"
WARNING = "varning"
INFO = "info"

# code -> short Swedish title (the message carries the details)
CODES: dict[str, str] = {
    "tom-mapp": "Inga arbetsböcker",
    "ej-arbetsbok": "Inte en arbetsbok",
    "trasig-fil": "Trasig eller avkortad fil",
    "krypterad": "Lösenordsskyddad fil",
    "okand-arbetsbok": "Arbetsboken är inte från malbok",
    "fel-period": "Fel period",
    "fel-modell": "Annan styrmodell",
    "fel-modellversion": "Annan version av styrmodellen",
    "fel-layout": "Annan layoutversion",
    "okand-enhet": "Okänd enhet",
    "enhet-utan-uppdrag": "Enheten rapporterar inget i perioden",
    "dubblett-identisk": "Samma fil två gånger",
    "dubblett-olika": "Två olika filer för samma enhet",
    "dubblett-vald": "Dubblett avgjord med --prefer",
    "saknas": "Enhetens arbetsbok saknas",
    "blad-saknas": "Blad saknas",
    "kolumn-saknas": "Kolumn saknas",
    "rad-saknas": "Rad borttagen",
    "okant-id": "Okänt ID",
    "dubblett-id": "Samma ID två gånger",
    "utfall-saknas": "Utfall saknas",
    "bedomning-saknas": "Bedömning saknas",
    "ej-tal": "Inte ett tal",
    "utanfor-intervall": "Utanför tillåtet intervall",
    "andel-som-procent": "Andel skriven som decimaltal",
    "ej-i-skalan": "Bedömningen finns inte i skalan",
    "for-optimistisk": "Bedömningen är mer positiv än utfallet visar",
    "text-tolkad": "Tal skrivet som text",
}


@dataclass(frozen=True)
class Finding:
    file: str
    sheet: str
    cell: str
    row_id: str
    code: str
    message: str
    severity: str
    unit: str = ""

    @property
    def title(self) -> str:
        return CODES.get(self.code, self.code)

    def as_row(self) -> dict[str, str]:
        d = asdict(self)
        return {
            "Allvar": d["severity"], "Fil": d["file"], "Enhet": d["unit"], "Blad": d["sheet"], "Cell": d["cell"],
            "ID": d["row_id"], "Kod": d["code"], "Rubrik": self.title, "Meddelande": d["message"],
        }

    def place(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"blad {self.sheet}")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(p for p in parts if p)


FINDING_COLUMNS = ("Allvar", "Fil", "Enhet", "Blad", "Cell", "ID", "Kod", "Rubrik", "Meddelande")


class FindingsSummary:
    """What a consolidation (follow-up or plan) says about its findings and units.

    Mixed into classes that have ``findings`` (list of :class:`Finding`),
    ``units`` (a DataFrame with the columns ``Enhet`` and ``Status``) and the
    numbers of files given and read.
    """

    findings: list[Finding]
    units: Any
    files_read: int
    files_given: int

    def files_summary(self) -> str:
        """'4 filer lästa', or '6 filer, 4 kunde läsas' when some files could not be read at all."""
        if self.files_given > self.files_read:
            return f"{self.files_given} filer, {self.files_read} kunde läsas"
        return f"{self.files_read} filer lästa"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def missing_units(self) -> list[str]:
        return list(self.units.loc[self.units["Status"] == "saknas", "Enhet"])

    @property
    def consolidated_units(self) -> list[str]:
        return list(self.units.loc[self.units["Status"].isin(["inlämnad", "inlämnad (vald)"]), "Enhet"])

    def findings_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([f.as_row() for f in self.findings], columns=list(FINDING_COLUMNS))
