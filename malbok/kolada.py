"""Kolada: official key figures and national ranks, fetched, cached and judged.

Kolada (RKA) publishes Swedish municipalities' key figures through an open
API (v3, ``https://api.kolada.se/v3/``). This module has three parts:

* a small client over the standard library (``urllib``): KPI metadata,
  municipality metadata and data, at most 25 ids per path segment, paging by
  ``next_url`` with ``per_page`` up to 5000, bounded retries with backoff on 429
  and 5xx (honouring ``Retry-After``, waits capped), timeouts, and a Swedish
  :class:`KoladaError` for everything that goes wrong;
* a cache in the history store (SQLite, the same file as the history store,
  tables ``kolada_*``), written in one transaction per fetch, with provenance
  (source, KPI, year, fetch date, Kolada's own status) and a log of every
  value Kolada revised (old -> new); later fetches ask only for what changed
  (``from_date``);
* ranks among all municipalities (type ``K``, not regions or groups) computed
  from the cache, and a judgement of a rank target from them.

Ranks use *competition ranking* ("1224"): municipalities with equal values
share the best of their places and the next place is skipped. ``n`` is the
number of municipalities with a value that year. The percentile is the
percentile rank ``100 * (worse + 0.5 * equal) / n`` (``equal`` counts the
municipality itself). "Bland de p % bästa" means ``rank <= ceil(p/100 * n)``.

A fetch never raises for Kolada's or the network's sake: it reports its
problems in Swedish and the cache keeps the values of earlier fetches, so
consolidation and reports work offline.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import statistics
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from ._version import __version__
from .errors import KoladaError as KoladaError  # declared with malbok's other errors
from .errors import KoladaNotFound as KoladaNotFound
from .errors import KoladaOffline as KoladaOffline
from .messages import sqlite_error_text
from .model import (
    ChangeTarget,
    Comparison,
    Direction,
    DirectionTarget,
    Indicator,
    LevelTarget,
    Meaning,
    Measure,
    Model,
    RankTarget,
    ValueTarget,
)
from .targets import Suggestion, applicable_target, fmt_number, fmt_value
from .util import InputError

DEFAULT_URL = "https://api.kolada.se/v3/"
ENV_URL = "MALBOK_KOLADA_URL"
SOURCE = "Kolada"
ATTRIBUTION = "Källa: egen bearbetning av data från Kolada"

# KF.xlsx's Kolada sheet (malbok.kfbook.kolada_sheets), declared once for its writer and its reader (malbok.kfread):
# Kolada's figures as the consolidation used them, read back for the Word chapter
KOLADA_COLUMNS = ("ID", "Indikator", "Nyckeltal", "År", "Värde", "Median", "Placering", "Antal kommuner", "Percentil",
                  "Bäst är", "Källa", "Område", "Koladas titel", "Koladas status", "Hämtat")
KOLADA_NUMBERS = ("År", "Värde", "Median", "Placering", "Antal kommuner", "Percentil")
KOLADA_SOURCE = "egen bearbetning av data från Kolada"  # each row's source, in the words Kolada's terms ask for
MAX_IDS = 25  # Kolada takes at most 25 ids in one path segment
PER_PAGE = 5000  # Kolada's largest page
TOTAL = "T"  # gender: total
MUNICIPALITY = "K"  # municipality type: kommun (regions are "L")
ALL = "alla"  # the scope of a fetch over every municipality
DELETED = "borttaget"  # the status of a value Kolada marks ``isdeleted``
BUSY_SECONDS = 10.0  # how long a write waits for another writer of the store


# -- the client ---------------------------------------------------------------------


def resolve_url(url: str | None = None) -> str:
    """The API base: ``url``, else ``$MALBOK_KOLADA_URL``, else Kolada's own; it must end in ``/v3/``."""
    base = (url or os.environ.get(ENV_URL) or DEFAULT_URL).strip()
    parts = urlsplit(base)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if parts.scheme not in ("http", "https") or not parts.netloc or not path.endswith("/v3/"):
        raise InputError(f"Kolada-adressen '{base}' ska vara en http(s)-adress som slutar på /v3/, "
                         f"t.ex. {DEFAULT_URL}")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass
class Retry:
    """One retried request: what went wrong and how long the client waited."""

    url: str
    reason: str
    wait: float


def _chunks(items: list[Any], size: int = MAX_IDS) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _seconds(n: float) -> str:
    return f"{fmt_number(n, 2)} {'sekund' if n == 1 else 'sekunder'}"


class Client:
    """Kolada API v3 over ``urllib``: paging, chunking, bounded retries, timeouts.

    ``tries`` bounds the attempts per request; the wait before attempt *k+1* is
    ``Retry-After`` when Kolada sends one, else ``backoff * 2**(k-1)``, and never
    more than ``max_wait`` seconds. ``timeout`` is per request (seconds).
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0, tries: int = 4, backoff: float = 1.0,
                 max_wait: float = 30.0, per_page: int = PER_PAGE, max_pages: int = 500,
                 max_bytes: int = 64 * 1024 * 1024) -> None:
        self.base = resolve_url(base_url)
        self.timeout = timeout
        self.tries = max(1, tries)
        self.backoff = backoff
        self.max_wait = max_wait
        self.per_page = max(1, min(per_page, PER_PAGE))
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.requests = 0
        self.retries: list[Retry] = []

    # -- one request --------------------------------------------------------------

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
        return urljoin(self.base, path) + (f"?{query}" if query else "")

    def get_json(self, url: str) -> dict[str, Any]:
        """GET ``url`` and return its JSON object, retrying 429, 5xx, timeouts and broken connections."""
        for attempt in range(1, self.tries + 1):
            last = attempt == self.tries
            try:
                body = self._get(url)
            except HTTPError as e:
                status = e.code
                e.close()
                if status == 429 or 500 <= status < 600:
                    word = "för många anrop" if status == 429 else "serverfel"
                    if last:
                        raise KoladaError(f"Kolada svarade {status} ({word}) {self.tries} gånger i rad för {url}; "
                                          "försök igen senare") from None
                    self._wait(url, f"{status} {word}", attempt, e.headers.get("Retry-After") if e.headers else None)
                    continue
                if status == 404:
                    raise KoladaNotFound(f"Kolada känner inte till adressen {url} (404)") from None
                raise KoladaError(f"Kolada svarade {status} för {url}") from None
            except TimeoutError as e:
                if last:
                    raise KoladaError(f"Kolada svarade inte inom {_seconds(self.timeout)} ({url}), "
                                      f"{self.tries} försök") from e
                self._wait(url, "inget svar i tid", attempt)
                continue
            except URLError as e:
                if isinstance(e.reason, TimeoutError):
                    if last:
                        raise KoladaError(f"Kolada svarade inte inom {_seconds(self.timeout)} ({url}), "
                                          f"{self.tries} försök") from e
                    self._wait(url, "inget svar i tid", attempt)
                    continue
                if isinstance(e.reason, socket.gaierror | ConnectionRefusedError):
                    raise KoladaOffline(f"Kunde inte nå Kolada på {self.base} ({_why(e.reason)}); "
                                        "är datorn ansluten till internet?") from e
                if last:
                    raise KoladaOffline(f"Kunde inte nå Kolada på {self.base} ({_why(e.reason)})") from e
                self._wait(url, f"anslutningen bröts ({_why(e.reason)})", attempt)
                continue
            except (HTTPException, ConnectionError, OSError) as e:
                if last:
                    raise KoladaError(f"Anslutningen till Kolada bröts ({_why(e)}) för {url}") from e
                self._wait(url, f"anslutningen bröts ({_why(e)})", attempt)
                continue
            try:
                doc = json.loads(body)
            except ValueError:
                raise KoladaError(f"Kolada svarade med något som inte är giltig JSON för {url} "
                                  f"(början: {body[:60]!r})") from None
            if not isinstance(doc, dict) or not isinstance(doc.get("values", []), list):
                raise KoladaError(f"Koladas svar för {url} har inte den väntade formen (ett objekt med 'values')")
            return doc
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, url: str) -> bytes:
        req = Request(url, headers={"Accept": "application/json", "User-Agent": f"malbok/{__version__}"})
        self.requests += 1
        with urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - the base is checked to be http(s)
            body = resp.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise KoladaError(f"Koladas svar för {url} är större än {self.max_bytes // (1024 * 1024)} MB; avbrutet")
        return body

    def _wait(self, url: str, reason: str, attempt: int, retry_after: str | None = None) -> None:
        wait = _retry_after(retry_after)
        if wait is None:
            wait = self.backoff * 2 ** (attempt - 1)
        wait = max(0.0, min(wait, self.max_wait))
        self.retries.append(Retry(url, reason, wait))
        time.sleep(wait)

    # -- paging -------------------------------------------------------------------

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The ``values`` of every page, following ``next_url`` (bounded, no loops, same server)."""
        url: str | None = self.url(path, {**(params or {}), "per_page": self.per_page})
        seen: set[str] = set()
        for _ in range(self.max_pages):
            assert url is not None
            seen.add(url)
            doc = self.get_json(url)
            yield [v for v in doc.get("values", []) if isinstance(v, dict)]
            nxt = doc.get("next_url") or doc.get("next_page")
            if not nxt:
                return
            url = self._rebase(str(nxt))
            if url in seen:
                raise KoladaError(f"Kolada pekade tillbaka på en sida som redan hämtats ({url}); avbrutet")
        raise KoladaError(f"Koladas svar hade fler än {self.max_pages} sidor för {path}; avbrutet")

    def _rebase(self, next_url: str) -> str:
        """``next_url`` on this client's server, so that a mirror or a test server keeps the paging."""
        parts = urlsplit(urljoin(self.base, next_url))
        base = urlsplit(self.base)
        if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
            return urlunsplit(parts)
        marker = parts.path.find("/v3/")
        path = parts.path[marker + len("/v3/"):] if marker >= 0 else parts.path.lstrip("/")
        return urljoin(self.base, path) + (f"?{parts.query}" if parts.query else "")

    def all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [v for page in self.pages(path, params) for v in page]

    # -- the API ------------------------------------------------------------------

    def kpis(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """KPI metadata for ``ids`` (at most 25 per request)."""
        out: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(set(ids))):
            try:
                out += self.all(f"kpi/{','.join(chunk)}")
            except KoladaNotFound:  # some id is unknown (a retired KPI): ask one at a time to learn which
                for kpi in chunk if len(chunk) > 1 else []:
                    try:
                        out += self.all(f"kpi/{kpi}")
                    except KoladaNotFound:
                        pass
        return out

    def municipalities(self) -> list[dict[str, Any]]:
        """Every municipality and region, with its type (``K`` kommun, ``L`` region)."""
        return self.all("municipality")

    def data(self, kpis: list[str], municipality: str | None = None, years: list[int] | None = None,
             from_date: str | None = None) -> list[dict[str, Any]]:
        """Data for ``kpis`` (for one municipality, or all), for ``years``; chunked by 25 ids per segment."""
        out: list[dict[str, Any]] = []
        year_chunks = list(_chunks(sorted(set(years)))) if years else [None]
        for kchunk in _chunks(list(kpis)):
            for ychunk in year_chunks:
                path = f"data/kpi/{','.join(kchunk)}"
                if municipality:
                    path += f"/municipality/{municipality}"
                if ychunk:
                    path += f"/year/{','.join(str(y) for y in ychunk)}"
                out += self.all(path, {"from_date": from_date})
        return out


def _why(e: object) -> str:
    """The cause of a network error in Swedish (the system's own text when there is no better word)."""
    import ssl
    from http.client import RemoteDisconnected

    if isinstance(e, socket.gaierror):
        return "okänd värd eller inget nät"
    if isinstance(e, ConnectionRefusedError):
        return "anslutningen nekades"
    if isinstance(e, RemoteDisconnected):
        return "servern stängde anslutningen utan att svara"
    if isinstance(e, ConnectionResetError):
        return "anslutningen återställdes"
    if isinstance(e, ssl.SSLCertVerificationError):
        return "serverns certifikat kunde inte verifieras"
    if isinstance(e, ssl.SSLError):
        return "fel i den krypterade anslutningen"
    if isinstance(e, HTTPException):
        return "ofullständigt svar"
    return str(getattr(e, "strerror", None) or e or type(e).__name__)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# -- Kolada's records -----------------------------------------------------------------


@dataclass(frozen=True)
class Datum:
    """One value as Kolada gives it: KPI, municipality, year, gender, value (None: missing), count, status."""

    kpi: str
    municipality: str
    year: int
    gender: str
    value: float | None
    count: int | None
    status: str


def flatten(items: list[dict[str, Any]]) -> tuple[list[Datum], int]:
    """Kolada's nested data records as flat values, and how many entries could not be read."""
    out: list[Datum] = []
    bad = 0
    for item in items:
        try:
            kpi, mun, year = str(item["kpi"]), str(item["municipality"]), int(item["period"])
            values = item.get("values") or []
        except (KeyError, TypeError, ValueError):
            bad += 1
            continue
        for v in values if isinstance(values, list) else []:
            if not isinstance(v, dict) or not isinstance(v.get("gender", TOTAL), str):
                bad += 1
                continue
            raw = v.get("value")
            status = str(v.get("status") or "")
            if v.get("isdeleted") is True:  # Kolada withdrew the value: kept as missing, and the change is logged
                raw, status = None, status or DELETED
            if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw)):
                bad += 1
                continue
            count = v.get("count")
            out.append(Datum(kpi, mun, year, v.get("gender") or TOTAL, None if raw is None else float(raw),
                             count if isinstance(count, int) and not isinstance(count, bool) else None, status))
    return out, bad


# -- the store ------------------------------------------------------------------------


SCHEMA = """
CREATE TABLE IF NOT EXISTS kolada_kpi (
    kpi TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    municipality_type TEXT NOT NULL DEFAULT '',
    divided_by_gender INTEGER,
    operating_area TEXT NOT NULL DEFAULT '',
    publication_date TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL,                      -- Kolada's metadata record as fetched (JSON)
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kolada_municipality (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL,                     -- K kommun, L region (Kolada's own)
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kolada_value (
    source TEXT NOT NULL DEFAULT 'Kolada',
    kpi TEXT NOT NULL,
    municipality TEXT NOT NULL,
    year INTEGER NOT NULL,
    gender TEXT NOT NULL,                   -- T total, K kvinnor, M män
    value REAL,                             -- NULL: Kolada has no value (its status may say why)
    count INTEGER,
    status TEXT NOT NULL DEFAULT '',        -- Kolada's own status flag, as given
    fetched_at TEXT NOT NULL,               -- the last fetch that gave this value
    changed_at TEXT NOT NULL,               -- the fetch that gave it its present value
    fetch_id INTEGER NOT NULL,
    PRIMARY KEY (kpi, municipality, year, gender)
);
CREATE INDEX IF NOT EXISTS kolada_value_by_year ON kolada_value (kpi, year, gender);
CREATE TABLE IF NOT EXISTS kolada_fetch (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    base_url TEXT NOT NULL,
    municipality TEXT NOT NULL,
    kpis TEXT NOT NULL,                     -- comma-separated KPI ids
    years TEXT NOT NULL,                    -- comma-separated years
    requests INTEGER NOT NULL,
    new_values INTEGER NOT NULL,
    revised_values INTEGER NOT NULL,
    ok INTEGER NOT NULL,                    -- 1: every part fetched
    problems TEXT NOT NULL DEFAULT ''       -- Swedish messages, one a line
);
CREATE TABLE IF NOT EXISTS kolada_revision (
    fetch_id INTEGER NOT NULL REFERENCES kolada_fetch(id),
    kpi TEXT NOT NULL,
    municipality TEXT NOT NULL,
    year INTEGER NOT NULL,
    gender TEXT NOT NULL,
    old_value REAL,
    new_value REAL,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kolada_coverage (
    kpi TEXT NOT NULL,
    scope TEXT NOT NULL,                    -- a municipality id, or 'alla'
    year INTEGER NOT NULL,
    fetched_at TEXT NOT NULL,               -- the last complete fetch of this part: later ones ask from its date
    PRIMARY KEY (kpi, scope, year)
);
"""


def connect(path: str | Path, create: bool = True) -> sqlite3.Connection:
    """Open the store (WAL, busy timeout) and create the Kolada tables if absent."""
    path = Path(path)
    if not create and not path.exists():
        raise FileNotFoundError(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    except sqlite3.Error as e:
        raise InputError(f"historikfilen {path} kunde inte öppnas ({sqlite_error_text(e)})") from None
    try:
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
    except sqlite3.OperationalError as e:
        conn.close()
        if "locked" in str(e) or "busy" in str(e):
            raise InputError(f"historikfilen {path} är låst av ett annat program; försök igen om en stund") from None
        raise InputError(f"historikfilen {path} kunde inte användas ({sqlite_error_text(e)})") from None
    except sqlite3.DatabaseError as e:
        conn.close()
        raise InputError(f"{path} är ingen historikfil ({sqlite_error_text(e)})") from None
    return conn


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# -- a fetch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    kpi: str
    municipality: str
    year: int
    gender: str
    old: float | None
    new: float | None
    old_status: str
    new_status: str

    def text(self, names: dict[str, str] | None = None) -> str:
        who = (names or {}).get(self.municipality, self.municipality)
        old, new = _shown(self.old, self.old_status), _shown(self.new, self.new_status)
        gender = "" if self.gender == TOTAL else f" ({ {'K': 'kvinnor', 'M': 'män'}.get(self.gender, self.gender) })"
        return f"{self.kpi} {who} {self.year}{gender}: {old} → {new}"


def _shown(value: float | None, status: str) -> str:
    text = "saknas" if value is None else fmt_number(value, 2)
    return f"{text} (status {status})" if status else text


@dataclass
class FetchReport:
    """What a fetch did: counts, revisions and problems (Swedish), never an exception."""

    store: Path
    base_url: str
    municipality: str
    kpis: list[str]
    years: list[int]
    fetch_id: int | None = None
    requests: int = 0
    new_values: int = 0
    unchanged_values: int = 0
    revisions: list[Revision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, but the fetch is complete
    retries: list[Retry] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    incremental: list[str] = field(default_factory=list)  # parts asked only for changes (from_date)

    @property
    def ok(self) -> bool:
        return not self.problems


Progress = Callable[[str], None]


def model_kpis(model: Model) -> dict[str, list[str]]:
    """KPI id -> the ids of the model's indicators that use it."""
    out: dict[str, list[str]] = {}
    for ind in model.indicators:
        if ind.kolada:
            out.setdefault(ind.kolada, []).append(ind.id)
    return out


def plan_steps(model: Model) -> int:
    """How many steps :func:`fetch` reports to ``progress`` for ``model``."""
    kpis = model_kpis(model)
    return 2 + math.ceil(len(kpis) / MAX_IDS) + len(kpis) if kpis else 0


def fetch(model: Model, years: list[int], store: str | Path, base_url: str | None = None,
          progress: Progress | None = None, client: Client | None = None) -> FetchReport:
    """Fetch the model's KPIs for its municipality and for every municipality (for ranks), into ``store``.

    Metadata first, then the municipality's own values (all KPIs, 25 per request),
    then one KPI at a time over all municipalities. A part fetched before is asked
    only for what changed since (``from_date``). Everything fetched is written in
    one transaction; what failed is reported and the earlier values stay.
    """
    cl = client or Client(base_url)
    kpi_map = model_kpis(model)
    kpis = sorted(kpi_map)
    years = sorted(set(years))
    code = model.municipality.code
    rep = FetchReport(Path(store), cl.base, code, kpis, years)
    tick = progress or (lambda _text: None)
    if not kpis:
        rep.problems.append("Styrmodellen har inga indikatorer med Kolada-id (fältet kolada); inget att hämta.")
        return rep
    started = _now()
    conn = connect(store)
    try:
        coverage = _coverage(conn)
        meta: list[dict[str, Any]] = []
        munis: list[dict[str, Any]] = []
        data: list[Datum] = []
        done: list[tuple[str, str]] = []  # (kpi, scope) fetched completely
        offline = False

        def attempt(what: str, fn: Callable[[], Any]) -> Any:
            nonlocal offline
            if offline:
                return None
            try:
                return fn()
            except KoladaOffline as e:
                offline = True
                rep.problems.append(f"{e} Inget mer hämtades; värdena från tidigare hämtningar finns kvar.")
            except KoladaError as e:
                rep.problems.append(f"{what}: {e}")
            return None

        tick("Hämtar nyckeltalens beskrivningar")
        found = attempt("Nyckeltalens beskrivningar", lambda: cl.kpis(kpis))
        retired: set[str] = set()
        if found is not None:
            meta = [m for m in found if isinstance(m, dict) and m.get("id") in kpi_map]
            known = {m["id"] for m in meta}
            for k in kpis:
                if k not in known:
                    retired.add(k)
                    rep.problems.append(
                        f"Nyckeltalet {k} finns inte i Kolada (det kan ha utgått eller bytt id); kontrollera fältet "
                        f"kolada för {_indicators(kpi_map[k])}. Tidigare hämtade värden finns kvar.")
            rep.titles = {m["id"]: str(m.get("title") or "") for m in meta}
            for m in meta:
                if str(m.get("municipality_type") or "").upper() == "L":
                    rep.notes.append(f"Nyckeltalet {m['id']} gäller regioner (typ L), inte kommuner; "
                                     f"{_indicators(kpi_map[m['id']])} får ingen placering bland kommunerna.")
        tick("Hämtar kommunlistan")
        munis = attempt("Kommunlistan", cl.municipalities) or []
        live = [k for k in kpis if k not in retired]
        for chunk in _chunks(live):
            tick(f"Hämtar {_genitive(model.municipality.name)} värden")
            since = _since(coverage, chunk, code, years)
            if since:
                rep.incremental.append(f"{','.join(chunk)} för {model.municipality.name} från {since}")
            got = attempt(f"{_genitive(model.municipality.name)} värden för {', '.join(chunk)}",
                          partial(cl.data, chunk, code, years, since))
            if got is not None:
                rows, bad = flatten(got)
                data += rows
                done += [(k, code) for k in chunk]
                if bad:
                    rep.problems.append(f"{_entries(bad)} i Koladas svar för {model.municipality.name} kunde inte "
                                        "läsas och hoppades över.")
        for k in live:
            tick(f"Hämtar {k} för alla kommuner")
            since = _since(coverage, [k], ALL, years)
            if since:
                rep.incremental.append(f"{k} för alla kommuner från {since}")
            got = attempt(f"{k} för alla kommuner", partial(cl.data, [k], None, years, since))
            if got is not None:
                rows, bad = flatten(got)
                data += rows
                done.append((k, ALL))
                if bad:
                    rep.problems.append(f"{_entries(bad)} i Koladas svar för {k} kunde inte läsas och hoppades över.")
        rep.requests, rep.retries = cl.requests, list(cl.retries)
        try:
            _write(conn, rep, started, meta, munis, data, done)
        except sqlite3.OperationalError as e:  # locked past the busy timeout, disk full ...: nothing was written
            rep.fetch_id, rep.new_values, rep.unchanged_values, rep.revisions = None, 0, 0, []
            rep.problems.append(f"Värdena kunde inte skrivas till historikfilen {rep.store} ({sqlite_error_text(e)}); inget ändrades "
                                "där. Försök igen när inget annat program skriver i filen.")
    finally:
        conn.close()
    return rep


def _genitive(name: str) -> str:
    """Swedish genitive of a name: Hallsbergs, Söderhamns, but Borås (a name ending in s, x or z takes nothing)."""
    return name if name[-1:].lower() in ("s", "x", "z") else f"{name}s"


def _indicators(ids: list[str]) -> str:
    return ("indikatorn " if len(ids) == 1 else "indikatorerna ") + ", ".join(ids)


def _entries(n: int) -> str:
    return f"{n} {'post' if n == 1 else 'poster'}"


def _coverage(conn: sqlite3.Connection) -> dict[tuple[str, str, int], str]:
    return {(k, s, y): t for k, s, y, t in conn.execute("SELECT kpi, scope, year, fetched_at FROM kolada_coverage")}


def _since(coverage: dict[tuple[str, str, int], str], kpis: list[str], scope: str, years: list[int]) -> str | None:
    """The ``from_date`` for a part: the date of its oldest complete fetch, or None when some year is new."""
    dates = [coverage.get((k, scope, y)) for k in kpis for y in years]
    if not dates or any(d is None for d in dates):
        return None
    return min(d for d in dates if d)[:10]


def _write(conn: sqlite3.Connection, rep: FetchReport, started: str, meta: list[dict[str, Any]],
           munis: list[dict[str, Any]], data: list[Datum], done: list[tuple[str, str]]) -> None:
    now = _now()
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(
            "INSERT INTO kolada_fetch (started_at, finished_at, base_url, municipality, kpis, years, requests, "
            "new_values, revised_values, ok, problems) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, '')",
            (started, now, rep.base_url, rep.municipality, ",".join(rep.kpis), ",".join(map(str, rep.years)),
             rep.requests))
        fid = int(cur.lastrowid or 0)
        rep.fetch_id = fid
        for m in meta:
            conn.execute(
                "INSERT INTO kolada_kpi (kpi, title, description, municipality_type, divided_by_gender, operating_area, "
                "publication_date, raw, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kpi) DO UPDATE SET "
                "title=excluded.title, description=excluded.description, municipality_type=excluded.municipality_type, "
                "divided_by_gender=excluded.divided_by_gender, operating_area=excluded.operating_area, "
                "publication_date=excluded.publication_date, raw=excluded.raw, fetched_at=excluded.fetched_at",
                (str(m["id"]), str(m.get("title") or ""), str(m.get("description") or ""),
                 str(m.get("municipality_type") or ""), _int_or_none(m.get("is_divided_by_gender")),
                 str(m.get("operating_area") or ""), str(m.get("publication_date") or ""),
                 json.dumps(m, ensure_ascii=False), now))
        for m in munis:
            if isinstance(m, dict) and m.get("id") and m.get("type"):
                conn.execute("INSERT INTO kolada_municipality (id, title, type, fetched_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT(id) DO UPDATE SET title=excluded.title, type=excluded.type, "
                             "fetched_at=excluded.fetched_at",
                             (str(m["id"]), str(m.get("title") or ""), str(m["type"]), now))
        existing: dict[tuple[str, str, int, str], tuple[float | None, str]] = {}
        for k in sorted({d.kpi for d in data}):
            for mun, year, gender, value, status in conn.execute(
                    "SELECT municipality, year, gender, value, status FROM kolada_value WHERE kpi=?", (k,)):
                existing[(k, mun, year, gender)] = (value, status)
        inserts, touches, updates, revisions = [], [], [], []
        seen: set[tuple[str, str, int, str]] = set()
        for d in data:
            key = (d.kpi, d.municipality, d.year, d.gender)
            if key in seen:  # the municipality's value comes in both of its parts
                continue
            seen.add(key)
            old = existing.get(key)
            if old is None:
                inserts.append((SOURCE, *key, d.value, d.count, d.status, now, now, fid))
            elif _same(old[0], d.value) and old[1] == d.status:
                touches.append((now, d.count, *key))
            else:
                updates.append((d.value, d.count, d.status, now, now, fid, *key))
                revisions.append((fid, *key, old[0], d.value, old[1], d.status))
                rep.revisions.append(Revision(*key, old[0], d.value, old[1], d.status))
        conn.executemany("INSERT INTO kolada_value (source, kpi, municipality, year, gender, value, count, status, "
                         "fetched_at, changed_at, fetch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
        conn.executemany("UPDATE kolada_value SET fetched_at=?, count=? WHERE kpi=? AND municipality=? AND year=? "
                         "AND gender=?", touches)
        conn.executemany("UPDATE kolada_value SET value=?, count=?, status=?, fetched_at=?, changed_at=?, fetch_id=? "
                         "WHERE kpi=? AND municipality=? AND year=? AND gender=?", updates)
        conn.executemany("INSERT INTO kolada_revision (fetch_id, kpi, municipality, year, gender, old_value, "
                         "new_value, old_status, new_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revisions)
        rep.new_values, rep.unchanged_values = len(inserts), len(touches)
        for kpi, scope in done:
            for y in rep.years:
                conn.execute("INSERT INTO kolada_coverage (kpi, scope, year, fetched_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT(kpi, scope, year) DO UPDATE SET fetched_at=excluded.fetched_at",
                             (kpi, scope, y, started))
        conn.execute("UPDATE kolada_fetch SET new_values=?, revised_values=?, ok=?, problems=? WHERE id=?",
                     (rep.new_values, len(rep.revisions), int(rep.ok), "\n".join(rep.problems), fid))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _int_or_none(v: Any) -> int | None:
    if isinstance(v, bool):
        return int(v)
    return v if isinstance(v, int) else None


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# -- ranks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """A municipality's value and place among all municipalities for one KPI and year."""

    kpi: str
    municipality: str
    year: int
    value: float
    rank: int  # competition ranking: ties share the best place
    n: int  # municipalities (type K) with a value that year
    percentile: float  # 100 * (worse + 0.5 * equal) / n
    median: float
    higher_is_better: bool
    status: str = ""
    fetched_at: str = ""

    @property
    def top_percent(self) -> float:
        """The share of municipalities at this place or better, in per cent ("bland de x % bästa")."""
        return 100.0 * self.rank / self.n


def competition_ranks(values: dict[str, float], higher_is_better: bool = True) -> dict[str, int]:
    """Place of every key: 1 + the number of strictly better values ("1224": ties share the best place)."""
    ordered = sorted(values.values())
    n = len(ordered)
    if higher_is_better:
        return {k: 1 + n - bisect_right(ordered, v) for k, v in values.items()}
    return {k: 1 + bisect_left(ordered, v) for k, v in values.items()}


def place(values: dict[str, float], key: str, higher_is_better: bool = True) -> tuple[int, int, float, float]:
    """(rank, n, percentile, median) of ``key`` among ``values``."""
    ordered = sorted(values.values())
    n = len(ordered)
    v = values[key]
    below, above = bisect_left(ordered, v), n - bisect_right(ordered, v)
    equal = n - below - above
    worse = below if higher_is_better else above
    better = above if higher_is_better else below
    return 1 + better, n, 100.0 * (worse + 0.5 * equal) / n, float(statistics.median(ordered))


def is_municipality(mid: str, types: dict[str, str]) -> bool:
    """A kommun (type K); without Kolada's list, a four-digit code not starting 00 (00xx are regions, 0000 riket)."""
    if types:
        return types.get(mid) == MUNICIPALITY
    return len(mid) == 4 and mid.isdigit() and not mid.startswith("00")


def _types(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT id, type FROM kolada_municipality"))


def position(conn: sqlite3.Connection, kpi: str, municipality: str, year: int, higher_is_better: bool = True,
             gender: str = TOTAL) -> Position | None:
    """The municipality's value and place for ``kpi`` in ``year`` from the cache; None without a value."""
    types = _types(conn)
    rows = conn.execute("SELECT municipality, value, status, fetched_at FROM kolada_value WHERE kpi=? AND year=? "
                        "AND gender=? AND value IS NOT NULL", (kpi, year, gender)).fetchall()
    values = {m: v for m, v, _s, _f in rows if is_municipality(m, types)}
    own = next((r for r in rows if r[0] == municipality), None)
    if own is None:
        return None
    values[municipality] = own[1]
    rank, n, pct, median = place(values, municipality, higher_is_better)
    return Position(kpi, municipality, year, own[1], rank, n, pct, median, higher_is_better, own[2], own[3])


def years_with_value(conn: sqlite3.Connection, kpi: str, municipality: str, gender: str = TOTAL) -> list[int]:
    return [y for (y,) in conn.execute("SELECT year FROM kolada_value WHERE kpi=? AND municipality=? AND gender=? "
                                       "AND value IS NOT NULL ORDER BY year", (kpi, municipality, gender))]


def latest_position(conn: sqlite3.Connection, kpi: str, municipality: str, higher_is_better: bool = True,
                    up_to: int | None = None) -> Position | None:
    """The position in the latest year with a value (at most ``up_to``)."""
    years = [y for y in years_with_value(conn, kpi, municipality) if up_to is None or y <= up_to]
    return position(conn, kpi, municipality, years[-1], higher_is_better) if years else None


def higher_is_better(ind: Indicator) -> bool:
    """Which way is better for ranking: the indicator's ``högre_är_bättre``, else its targets' direction, else up."""
    explicit = getattr(ind, "higher_is_better", None)
    if explicit is not None:
        return bool(explicit)
    for t in ind.targets:
        if isinstance(t, ValueTarget | LevelTarget) and t.comparison is not None:
            return t.comparison == Comparison.AT_LEAST
        if isinstance(t, DirectionTarget):
            return t.direction == Direction.UP
        if isinstance(t, ChangeTarget) and t.percent:
            return t.percent > 0
    for t in ind.targets:
        if (isinstance(t, ValueTarget) and ind.baseline is not None and ind.baseline.value is not None
                and t.value != ind.baseline.value):  # a baseline year without a value says nothing of the way
            return t.value > ind.baseline.value
    return True


def indicator_position(conn: sqlite3.Connection, model: Model, ind: Indicator, year: int | None = None) -> Position | None:
    """For an indicator with a Kolada id: its municipality's position in ``year`` (default: the latest)."""
    if not ind.kolada:
        return None
    up = higher_is_better(ind)
    if year is None:
        return latest_position(conn, ind.kolada, model.municipality.code, up)
    return position(conn, ind.kolada, model.municipality.code, year, up)


# -- judging rank targets ----------------------------------------------------------------


def rank_limit(t: RankTarget, n: int) -> int:
    """The worst place that meets ``t`` among ``n`` municipalities: ``ceil(p/100 * n)``, or the target's place."""
    if t.best_percent is not None:
        return max(1, math.ceil(round(t.best_percent * n / 100, 9)))
    assert t.rank is not None
    return t.rank


def judge_rank(t: RankTarget, pos: Position, previous: Position | None = None) -> Suggestion:
    """malbok's suggestion for a rank target from a computed position (and the year before, if known).

    Reached when the place is within the limit; not reached when the target year's
    value (or a later one) misses it; otherwise on the way when the place improved.
    """
    limit = rank_limit(t, pos.n)
    scope = (f"de {fmt_number(t.best_percent)} % bästa är plats 1–{limit}" if t.best_percent is not None
             else f"målet är plats 1–{limit}")
    reason = f"{pos.year}: plats {pos.rank} av {pos.n}; {scope}"
    if pos.rank <= limit:
        return Suggestion(Meaning.REACHED, reason)
    if t.year is not None and pos.year >= t.year:
        return Suggestion(Meaning.NOT_REACHED, f"{reason}; målåret {t.year} är passerat")
    if previous is not None and pos.rank < previous.rank:
        return Suggestion(Meaning.ON_THE_WAY, f"{reason}; förbättrad från plats {previous.rank} {previous.year}")
    if previous is not None:
        return Suggestion(Meaning.NOT_REACHED, f"{reason}; inte förbättrad sedan {previous.year} (plats {previous.rank})")
    return Suggestion(Meaning.NOT_REACHED, reason)


def judge_indicator(conn: sqlite3.Connection, model: Model, ind: Indicator, year: int) -> list[tuple[RankTarget, Suggestion]]:
    """The indicator's rank targets that apply in ``year``, judged from Kolada's latest value up to ``year``."""
    wanted: list[RankTarget] = []
    primary = applicable_target(ind, year)
    if isinstance(primary, RankTarget):
        wanted.append(primary)
    wanted += [t for t in ind.targets if isinstance(t, RankTarget) and t.year is None and t is not primary]
    if not wanted or not ind.kolada:
        return []
    up = higher_is_better(ind)
    pos = latest_position(conn, ind.kolada, model.municipality.code, up, up_to=year)
    if pos is None:
        return [(t, Suggestion(None, "Koladavärde saknas; rangmålet kan inte bedömas")) for t in wanted]
    prev = latest_position(conn, ind.kolada, model.municipality.code, up, up_to=pos.year - 1)
    return [(t, judge_rank(t, pos, prev)) for t in wanted]


# -- what the cache holds, for ``malbok kolada show`` --------------------------------------


@dataclass(frozen=True)
class Row:
    """One indicator with a Kolada id, as the cache knows it."""

    indicator: str
    name: str
    kpi: str
    title: str  # Kolada's title ('' before the first fetch)
    position: Position | None
    value: float | None  # the latest value (also when no rank can be computed)
    year: int | None
    status: str
    fetched_at: str
    measure: Measure = Measure.NUMBER

    def text(self) -> str:
        """The figure in words for a workbook, KF.xlsx or the Word chapter (with :data:`ATTRIBUTION` nearby):
        'Kolada 2016: 86 % · plats 3 av 11 · median 80 %'."""
        if self.value is None or self.year is None:
            return "Kolada: inget värde hämtat"
        parts = [f"Kolada {self.year}: {fmt_value(self.value, self.measure)}"]
        if self.position is not None:
            parts += [f"plats {self.position.rank} av {self.position.n}",
                      f"median {fmt_value(self.position.median, self.measure)}"]
        return " · ".join(parts)


def rows(model: Model, store: str | Path) -> list[Row]:
    """Every indicator of ``model`` with a Kolada id: title, latest year and value, rank and n, from the cache."""
    inds = [i for i in model.indicators if i.kolada]
    path = Path(store)
    if not path.exists():
        return [Row(i.id, i.short, i.kolada or "", "", None, None, None, "", "", i.measure) for i in inds]
    conn = connect(path)
    try:
        titles = dict(conn.execute("SELECT kpi, title FROM kolada_kpi"))
        out = []
        code = model.municipality.code
        for i in inds:
            kpi = i.kolada or ""
            latest = conn.execute("SELECT year, value, status, fetched_at FROM kolada_value WHERE kpi=? AND "
                                  "municipality=? AND gender=? AND value IS NOT NULL ORDER BY year DESC LIMIT 1",
                                  (kpi, code, TOTAL)).fetchone()
            pos = indicator_position(conn, model, i) if latest else None
            out.append(Row(i.id, i.short, kpi, titles.get(kpi, ""), pos, latest[1] if latest else None,
                           latest[0] if latest else None, latest[2] if latest else "", latest[3] if latest else "",
                           i.measure))
        return out
    finally:
        conn.close()


@dataclass(frozen=True)
class Figure:
    """Kolada's figure for an indicator at one period: the latest value up to the period's year, its place
    among the municipalities, and the rank targets that apply, judged from that place."""

    row: Row
    judged: tuple[tuple[RankTarget, Suggestion], ...] = ()

    @property
    def rank_suggestion(self) -> Suggestion | None:
        """The suggestion for the rank target that applies at the period (the first judged), if any."""
        return self.judged[0][1] if self.judged else None

    def text(self) -> str:
        """'Kolada 2016: 86 % · plats 3 av 11 · median 80 %', with the KPI id: the figure and its source in words."""
        return f"{self.row.text()} ({self.row.kpi})"


def figures(conn: sqlite3.Connection, model: Model, year: int) -> dict[str, Figure]:
    """Indicator id -> Kolada's figure up to ``year``, for every indicator of ``model`` with a Kolada id and a
    value in the cache (offline: nothing is fetched)."""
    code = model.municipality.code
    titles = dict(conn.execute("SELECT kpi, title FROM kolada_kpi"))
    out: dict[str, Figure] = {}
    for ind in model.indicators:
        if not ind.kolada:
            continue
        latest = conn.execute("SELECT year, value, status, fetched_at FROM kolada_value WHERE kpi=? AND municipality=? "
                              "AND gender=? AND value IS NOT NULL AND year <= ? ORDER BY year DESC LIMIT 1",
                              (ind.kolada, code, TOTAL, year)).fetchone()
        if latest is None:
            continue
        pos = position(conn, ind.kolada, code, latest[0], higher_is_better(ind))
        row = Row(ind.id, ind.short, ind.kolada, titles.get(ind.kolada, ""), pos, latest[1], latest[0], latest[2] or "",
                  latest[3], ind.measure)
        out[ind.id] = Figure(row, tuple(judge_indicator(conn, model, ind, year)))
    return out


def has_cache(conn: sqlite3.Connection) -> bool:
    """True when the store holds Kolada's tables (a store made before the first fetch has none)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='kolada_value'").fetchone() is not None


def parse_years(text: str) -> list[int]:
    """'2012-2016', '2012–2016', '2014' or '2012,2014,2016' as a list of years."""
    years: set[int] = set()
    for part in str(text).replace("–", "-").replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise InputError(f"okända år '{text}'; skriv t.ex. --years 2012-2016 eller --years 2014,2016") from None
        if not (1950 <= a <= 2200 and 1950 <= b <= 2200) or b < a or b - a > 100:
            raise InputError(f"orimliga år '{text}'; skriv t.ex. --years 2012-2016")
        years.update(range(a, b + 1))
    if not years:
        raise InputError("ange år, t.ex. --years 2012-2016")
    return sorted(years)
