"""A local server in Kolada API v3's shape, for tests: real HTTP on 127.0.0.1, scripted faults.

It answers ``/v3/kpi/<ids>``, ``/v3/municipality`` and
``/v3/data/kpi/<ids>[/municipality/<ids>][/year/<years>]`` with Kolada's JSON
shape (``values``, ``count``, ``next_url``), pages by ``page``/``per_page``,
filters by ``from_date``, and refuses more than 25 ids in a path segment or a
``per_page`` over 5000 (as Kolada does). Faults (429 with ``Retry-After``,
500, a slow answer, malformed JSON) are scripted per path. The server stops
by itself after ``max_requests`` requests or ``lifetime`` seconds.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Fault:
    """Answer requests whose path (with query) contains ``match`` with ``kind``, ``times`` times."""

    match: str
    kind: str  # "429", "500", "slow", "malformed", "drop", "loop" (next_url back to the same page)
    times: int = 1
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class Record:
    kpi: str
    municipality: str
    period: int
    values: list[dict[str, Any]]
    updated: str = "2017-01-01"  # Kolada's change date, for from_date


@dataclass
class KoladaData:
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)
    municipalities: list[dict[str, Any]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def add(self, kpi: str, municipality: str, period: int, value: float | None, status: str = "",
            updated: str = "2017-01-01", genders: bool = False, deleted: bool = False) -> None:
        vals = [{"gender": "T", "status": status, "value": value, "count": 1, "isdeleted": deleted}]
        if genders and value is not None:
            vals += [{"gender": "K", "status": status, "value": value + 1, "count": 1},
                     {"gender": "M", "status": status, "value": value - 1, "count": 1}]
        self.records = [r for r in self.records
                        if (r.kpi, r.municipality, r.period) != (kpi, municipality, period)]
        self.records.append(Record(kpi, municipality, period, vals, updated))


class KoladaServer:
    def __init__(self, data: KoladaData, max_requests: int = 400, lifetime: float = 120.0) -> None:
        self.data = data
        self.faults: list[Fault] = []
        self.log: list[str] = []
        self.max_requests = max_requests
        self.lifetime = lifetime
        self.unknown_kpi_404 = False  # answer 404 (not an empty list) when a KPI id is unknown
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/v3/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    def __enter__(self) -> KoladaServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        self._timer.cancel()
        threading.Thread(target=self.httpd.shutdown, daemon=True).start()

    def requests_to(self, part: str) -> int:
        return sum(1 for p in self.log if part in p)

    # -- answering ------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.log.append(h.path)
            over = len(self.log) > self.max_requests
            fault = next((f for f in self.faults if f.times > 0 and f.match in h.path), None)
            if fault is not None:
                fault.times -= 1
        if over:
            self.stop()
            return self._send(h, 503, {"error": "testservern har stängt"})
        if fault is not None:
            if fault.kind == "429":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return self._send(h, 429, {"error": "Too Many Requests"}, headers)
            if fault.kind == "500":
                return self._send(h, 500, {"error": "Internal Server Error"})
            if fault.kind == "slow":
                time.sleep(fault.delay)
            if fault.kind == "malformed":
                return self._raw(h, 200, b'{"values": [{"kpi": "N15428", "municipality": ')
            if fault.kind == "drop":
                h.close_connection = True
                return
            if fault.kind == "loop":
                return self._send(h, 200, {"values": [], "count": 0, "next_url": f"http://127.0.0.1:{self.port}{h.path}"})
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segs = [s for s in parts.path.split("/") if s]
        if not segs or segs[0] != "v3":
            return self._send(h, 404, {"error": "Not Found"})
        segs = segs[1:]
        try:
            per_page = int(query.get("per_page", "5000"))
            page = int(query.get("page", "1"))
        except ValueError:
            return self._send(h, 400, {"error": "bad paging"})
        if per_page > 5000 or per_page < 1 or page < 1:
            return self._send(h, 400, {"error": "per_page must be 1-5000"})
        for i in range(1, len(segs), 2):
            if len(segs[i].split(",")) > 25:
                return self._send(h, 400, {"error": "at most 25 ids per segment"})
        if segs[:1] == ["kpi"]:
            ids = segs[1].split(",") if len(segs) > 1 else list(self.data.kpis)
            if self.unknown_kpi_404 and any(i not in self.data.kpis for i in ids):
                return self._send(h, 404, {"error": "Not Found"})
            items = [self.data.kpis[i] for i in ids if i in self.data.kpis]
        elif segs[:1] == ["municipality"]:
            items = [m for m in self.data.municipalities if "type" not in query or m["type"] == query["type"]]
        elif segs[:2] == ["data", "kpi"] and len(segs) >= 3:
            filt = dict(zip(segs[1::2], (s.split(",") for s in segs[2::2]), strict=False))
            since = query.get("from_date")
            items = [
                {"kpi": r.kpi, "municipality": r.municipality, "period": r.period, "values": r.values}
                for r in self.data.records
                if r.kpi in filt["kpi"]
                and ("municipality" not in filt or r.municipality in filt["municipality"])
                and ("year" not in filt or str(r.period) in filt["year"])
                and (since is None or r.updated >= since)
            ]
        else:
            return self._send(h, 404, {"error": "Not Found"})
        start = (page - 1) * per_page
        body: dict[str, Any] = {"values": items[start:start + per_page], "count": len(items[start:start + per_page])}
        if start + per_page < len(items):
            body["next_url"] = f"http://127.0.0.1:{self.port}{parts.path}?" + urlencode({**query, "page": page + 1})
        if page > 1:
            body["previous_url"] = f"http://127.0.0.1:{self.port}{parts.path}?" + urlencode({**query, "page": page - 1})
        return self._send(h, 200, body)

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(h, status, json.dumps(body, ensure_ascii=False).encode("utf-8"), headers)

    def _raw(self, h: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


# -- a small Kolada: 12 municipalities, two regions and the country ------------------------

MUNICIPALITIES = [
    ("1861", "Hallsberg"), ("1880", "Örebro"), ("1862", "Degerfors"), ("1863", "Hällefors"),
    ("1864", "Ljusnarsberg"), ("1881", "Kumla"), ("1882", "Askersund"), ("1883", "Karlskoga"),
    ("1884", "Nora"), ("1885", "Lindesberg"), ("2182", "Söderhamn"), ("1814", "Lekeberg"),
]
REGIONS = [("0000", "Riket"), ("0018", "Region Örebro län"), ("0021", "Region Gävleborg")]

KPIS = {
    "N15428": {"id": "N15428", "title": "Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)",
               "description": "Testdata.", "is_divided_by_gender": True, "municipality_type": "K",
               "operating_area": "Grundskola", "publication_date": "2017-06-01"},
    "N00914": {"id": "N00914", "title": "Förvärvsarbetande invånare 20-64 år, andel (%)",
               "description": "Testdata.", "is_divided_by_gender": True, "municipality_type": "K",
               "operating_area": "Arbetsmarknad", "publication_date": "2017-11-01"},
    "N66077": {"id": "N66077", "title": "Invånare 0-19 år i hushåll med låg ekonomisk standard, andel (%)",
               "description": "Testdata.", "is_divided_by_gender": False, "municipality_type": "K",
               "operating_area": "Ekonomiskt bistånd", "publication_date": "2017-09-01"},
}

# N15428 in 2016: hand-ranked with ties (higher is better), the regions and the country above everyone
BEHORIGHET_2016 = {
    "1880": 90.0, "1881": 88.5, "1861": 86.0, "1882": 86.0, "1883": 86.0, "1884": 80.0, "1885": 79.5,
    "1862": 75.0, "1863": 70.0, "1864": 70.0, "2182": 65.0,  # 1814 has no value (status "M")
}


def sample() -> KoladaData:
    d = KoladaData(dict(KPIS))
    d.municipalities = [{"id": i, "title": t, "type": "K"} for i, t in MUNICIPALITIES]
    d.municipalities += [{"id": i, "title": t, "type": "L"} for i, t in REGIONS]
    for mid, v in BEHORIGHET_2016.items():
        d.add("N15428", mid, 2016, v, genders=True)
    d.add("N15428", "1814", 2016, None, status="M")
    for rid in ("0000", "0018", "0021"):
        d.add("N15428", rid, 2016, 99.0)
    for mid, v in {"1880": 89.0, "1881": 88.0, "1861": 80.0, "1882": 84.0, "1883": 85.0, "1884": 81.0,
                   "1885": 79.0, "1862": 76.0, "1863": 71.0, "1864": 69.0, "2182": 66.0, "1814": 60.0}.items():
        d.add("N15428", mid, 2015, v)
    for k, (mid, _t) in enumerate(MUNICIPALITIES):
        d.add("N00914", mid, 2015, 75.0 + k)
        d.add("N00914", mid, 2016, 76.0 + k)
        d.add("N66077", mid, 2016, 20.0 - k)
    return d
