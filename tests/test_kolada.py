"""Kolada: the client against a local server in v3's shape, the cache, ranks and rank targets, the CLI."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from malbok import ModelError, api, load_model
from malbok.api import history_store as default_store
from malbok.cli import app
from malbok.kolada import (
    ATTRIBUTION,
    Client,
    KoladaError,
    Position,
    competition_ranks,
    connect,
    higher_is_better,
    judge_indicator,
    judge_rank,
    parse_years,
    place,
    position,
    rank_limit,
    resolve_url,
)
from malbok.kolada import fetch as kolada_fetch
from malbok.model import Meaning, RankTarget
from malbok.util import InputError

from .conftest import TEMPLATES
from .kolada_server import Fault, KoladaServer, sample

runner = CliRunner()

FAST = {"tries": 3, "backoff": 0.01, "max_wait": 0.05, "timeout": 2.0}


@pytest.fixture
def server():
    with KoladaServer(sample()) as srv:
        yield srv


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    """The bundled Hallsberg model, copied so that its history store lands in tmp_path."""
    dst = tmp_path / "hallsberg.yaml"
    dst.write_text((TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return dst


def fetch(model_file: Path, srv: KoladaServer, years: str = "2015-2016", **opts):
    return kolada_fetch(load_model(model_file), parse_years(years), default_store(model_file),
                  client=Client(srv.base, **{**FAST, **opts}))


# -- ranks -------------------------------------------------------------------------------


def test_competition_ranks_share_the_best_place():
    values = {"a": 90.0, "b": 86.0, "c": 86.0, "d": 86.0, "e": 80.0, "f": 70.0, "g": 70.0, "h": 65.0}
    assert competition_ranks(values) == {"a": 1, "b": 2, "c": 2, "d": 2, "e": 5, "f": 6, "g": 6, "h": 8}
    # lower is better: the same values ranked the other way
    assert competition_ranks(values, higher_is_better=False) == {"h": 1, "f": 2, "g": 2, "e": 4, "b": 5, "c": 5,
                                                                 "d": 5, "a": 8}
    rank, n, pct, median = place(values, "c")
    # worse: e, f, g, h (4); equal: b, c, d (3) -> (4 + 1.5) / 8
    assert (rank, n, pct, median) == (2, 8, pytest.approx(68.75), 83.0)


def test_rank_reason_names_place_n_and_the_best_share():
    # 290 municipalities, Hallsberg 139th: 138 better, 151 worse
    pos = Position("N15428", "1861", 2016, 80.0, 139, 290, 48.1, 80.5, True)
    t = RankTarget(typ="rang", bland_bästa_procent=25, år=2018)
    assert rank_limit(t, 290) == 73  # ceil(0.25 * 290) = ceil(72.5)
    s = judge_rank(t, pos)
    assert s.meaning == Meaning.NOT_REACHED
    assert s.reason == "2016: plats 139 av 290; de 25 % bästa är plats 1–73"
    better = judge_rank(t, Position("N15428", "1861", 2017, 82.0, 120, 290, 58.0, 80.5, True), previous=pos)
    assert better.meaning == Meaning.ON_THE_WAY and "förbättrad från plats 139 2016" in better.reason
    late = judge_rank(t, Position("N15428", "1861", 2018, 82.0, 120, 290, 58.0, 80.5, True), previous=pos)
    assert late.meaning == Meaning.NOT_REACHED and "målåret 2018 är passerat" in late.reason
    top = judge_rank(t, Position("N15428", "1861", 2018, 90.0, 73, 290, 75.0, 80.5, True))
    assert top.meaning == Meaning.REACHED
    assert rank_limit(RankTarget(typ="rang", bland_bästa_procent=20), 290) == 58
    assert rank_limit(RankTarget(typ="rang", bland_bästa_procent=25), 11) == 3
    # the model's own limit for a typed placement follows the same rule
    assert RankTarget(typ="rang", bland_bästa_procent=25).max_rank() == 73


def test_which_way_is_better_comes_from_the_indicator(hallsberg):
    by_id = {i.id: i for i in hallsberg.indicators}
    assert higher_is_better(by_id["HK6"])  # minst 85 %
    assert higher_is_better(by_id["HK2"])  # ska öka
    assert not higher_is_better(by_id["LL4"])  # högst 8 %
    explicit = by_id["LL4"].model_copy(update={"higher_is_better": True})
    assert higher_is_better(explicit)
    parsed = load_model(TEMPLATES / "hallsberg.yaml").indicators[0].model_validate(
        {"id": "X", "text": "x", "område": "hallbar", "högre_är_bättre": False})
    assert parsed.higher_is_better is False


# -- the client against the local server ----------------------------------------------------


def test_url_from_option_or_environment(monkeypatch):
    monkeypatch.delenv("MALBOK_KOLADA_URL", raising=False)
    assert resolve_url() == "https://api.kolada.se/v3/"
    monkeypatch.setenv("MALBOK_KOLADA_URL", "http://127.0.0.1:9/v3")
    assert resolve_url() == "http://127.0.0.1:9/v3/"
    assert resolve_url("http://localhost:8080/spegel/v3/") == "http://localhost:8080/spegel/v3/"
    with pytest.raises(InputError, match="slutar på /v3/"):
        resolve_url("https://api.kolada.se/v2/")


def test_pages_by_next_url_and_chunks_25_ids(server):
    cl = Client(server.base, per_page=4, **FAST)
    items = cl.data(["N15428"], years=[2016])
    assert len(items) == 15  # 12 municipalities, 2 regions, the country
    assert server.requests_to("&page=4") == 1 and server.requests_to("&page=5") == 0
    ids = [f"N{10000 + i}" for i in range(30)] + ["N15428"]
    found = cl.kpis(ids)  # 31 ids: two requests, the server refuses more than 25 in a segment
    assert [k["id"] for k in found] == ["N15428"]
    assert server.requests_to("/v3/kpi/") == 2
    assert cl.data(ids, "1861", [2015, 2016])  # chunked the same way
    segments = [seg for p in server.log for seg in p.split("?")[0].split("/")]
    assert max(len(seg.split(",")) for seg in segments) == 25


def test_429_honours_retry_after_within_the_cap(server):
    server.faults.append(Fault("N15428/year", "429", 1, retry_after="0.03"))
    server.faults.append(Fault("N00914/year", "429", 1, retry_after="120"))
    cl = Client(server.base, **FAST)
    assert cl.data(["N15428"], years=[2016])
    t0 = time.monotonic()
    assert cl.data(["N00914"], years=[2016])
    assert time.monotonic() - t0 < 2  # Retry-After 120 s, capped at max_wait
    assert [r.wait for r in cl.retries] == [0.03, 0.05]
    assert cl.retries[0].reason == "429 för många anrop"


def test_500_is_retried_and_then_reported_in_swedish(server):
    server.faults.append(Fault("N15428/year", "500", 2))
    cl = Client(server.base, **FAST)
    assert cl.data(["N15428"], years=[2016])  # third attempt answers
    assert [r.wait for r in cl.retries] == [0.01, 0.02]  # backoff doubles
    server.faults.append(Fault("N00914/year", "500", 5))
    with pytest.raises(KoladaError, match="Kolada svarade 500 \\(serverfel\\) 3 gånger i rad"):
        cl.data(["N00914"], years=[2016])


def test_slow_answer_times_out(server):
    server.faults.append(Fault("N15428/year", "slow", 2, delay=1.0))
    cl = Client(server.base, tries=2, backoff=0.01, max_wait=0.05, timeout=0.2)
    t0 = time.monotonic()
    with pytest.raises(KoladaError, match="Kolada svarade inte inom 0,2 sekunder"):
        cl.data(["N15428"], years=[2016])
    assert time.monotonic() - t0 < 1.5


def test_malformed_json_and_endless_paging_are_errors(server):
    server.faults.append(Fault("/v3/municipality", "malformed", 1))
    cl = Client(server.base, **FAST)
    with pytest.raises(KoladaError, match="inte är giltig JSON"):
        cl.municipalities()
    server.faults.append(Fault("/v3/municipality", "loop", 1))
    with pytest.raises(KoladaError, match="redan hämtats"):
        cl.municipalities()


def test_dropped_connection_is_retried(server):
    server.faults.append(Fault("N15428/year", "drop", 1))
    cl = Client(server.base, **FAST)
    assert cl.data(["N15428"], years=[2016])
    assert [r.reason for r in cl.retries] == ["anslutningen bröts (servern stängde anslutningen utan att svara)"]


# -- a fetch into the store ----------------------------------------------------------------


def test_fetch_stores_values_with_provenance_and_ranks(model_file, server):
    rep = fetch(model_file, server)
    assert rep.ok, rep.problems
    assert rep.kpis == ["N00914", "N15428", "N66077"]
    store = default_store(model_file)
    assert store == model_file.parent / "hallsberg.historik.sqlite"
    conn = sqlite3.connect(store)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"kolada_kpi", "kolada_value", "kolada_fetch", "kolada_revision", "kolada_municipality"} <= tables
    src, status, fetched, fid = conn.execute(
        "SELECT source, status, fetched_at, fetch_id FROM kolada_value WHERE kpi='N15428' AND municipality='1861' "
        "AND year=2016 AND gender='T'").fetchone()
    assert (src, status, fid) == ("Kolada", "", rep.fetch_id) and fetched.startswith("20")
    # a missing value is kept as missing, with Kolada's status
    assert conn.execute("SELECT value, status FROM kolada_value WHERE kpi='N15428' AND municipality='1814' "
                        "AND year=2016").fetchone() == (None, "M")
    assert conn.execute("SELECT title FROM kolada_kpi WHERE kpi='N15428'").fetchone()[0].startswith("Elever i åk 9")
    assert conn.execute("SELECT ok, new_values FROM kolada_fetch").fetchall() == [(1, rep.new_values)]
    conn.close()
    with connect(store) as c:
        pos = position(c, "N15428", "1861", 2016)
        # 11 municipalities with a value (not the regions, not the country, not 1814 without one);
        # 90, 88.5, then three at 86: Hallsberg shares place 3
        assert (pos.rank, pos.n, pos.median) == (3, 11, 80.0)
        assert pos.percentile == pytest.approx(100 * (6 + 1.5) / 11)
        assert position(c, "N15428", "1882", 2016).rank == 3 and position(c, "N15428", "1884", 2016).rank == 6
        assert position(c, "N15428", "1861", 2015).rank == 6
        assert position(c, "N15428", "1861", 2014) is None


def test_hallsberg_rank_target_judged_from_computed_ranks(model_file, server):
    fetch(model_file, server)
    m = load_model(model_file)
    hk6 = next(i for i in m.indicators if i.id == "HK6")
    assert hk6.kolada == "N15428"
    with connect(default_store(model_file)) as c:
        [(t, s)] = judge_indicator(c, m, hk6, 2016)  # applies in 2016: the 25 % by 2018
        assert t.best_percent == 25
        assert (s.meaning, s.reason) == (Meaning.REACHED, "2016: plats 3 av 11; de 25 % bästa är plats 1–3")
        assert judge_indicator(c, m, hk6, 2015) == []  # 2015: the value milestone (85 %) applies
        # LL7's two rank milestones (50 % by 2015, 25 % by 2018), judged on the same figures
        ll7 = next(i for i in m.indicators if i.id == "LL7").model_copy(update={"kolada": "N15428"})
        [(t15, s15)] = judge_indicator(c, m, ll7, 2015)
        assert (t15.best_percent, s15.meaning) == (50, Meaning.REACHED)
        assert s15.reason == "2015: plats 6 av 12; de 50 % bästa är plats 1–6"
        [(_t, s16)] = judge_indicator(c, m, ll7, 2016)
        assert s16.meaning == Meaning.REACHED and s16.reason.startswith("2016: plats 3 av 11")


def test_revised_values_are_updated_and_listed(model_file, server):
    first = fetch(model_file, server)
    assert first.revisions == [] and first.new_values > 0
    server.data.add("N15428", "1861", 2016, 91.0, updated="2999-01-01", genders=True)
    server.data.add("N15428", "1862", 2016, 75.0, updated="2999-01-01", deleted=True)
    second = fetch(model_file, server)
    assert second.ok and second.new_values == 0
    assert any("from_date=" in p for p in server.log)
    assert sorted(r.text() for r in second.revisions) == [
        "N15428 1861 2016 (kvinnor): 87 → 92", "N15428 1861 2016 (män): 85 → 90", "N15428 1861 2016: 86 → 91",
        "N15428 1862 2016: 75 → saknas (status borttaget)"]
    with connect(default_store(model_file)) as c:
        assert c.execute("SELECT municipality, old_value, new_value, new_status FROM kolada_revision WHERE "
                         "gender='T' ORDER BY municipality").fetchall() == [("1861", 86.0, 91.0, ""),
                                                                            ("1862", 75.0, None, "borttaget")]
        pos = position(c, "N15428", "1861", 2016)
        assert (pos.rank, pos.n) == (1, 10)  # 1862's withdrawn value no longer counts


@pytest.mark.parametrize("as_404", [False, True], ids=["tom-lista", "404"])
def test_retired_kpi_is_reported_and_not_asked_for(model_file, server, as_404):
    server.unknown_kpi_404 = as_404
    text = model_file.read_text(encoding="utf-8").replace("kolada: N66077", "kolada: N02904")
    model_file.write_text(text, encoding="utf-8")
    rep = fetch(model_file, server)
    assert len(rep.problems) == 1
    assert "Nyckeltalet N02904 finns inte i Kolada" in rep.problems[0] and "indikatorn LL4" in rep.problems[0]
    assert not any("N02904" in p for p in server.log if "/data/" in p)
    assert rep.titles.keys() == {"N00914", "N15428"}  # the others' metadata still arrives


def test_failures_leave_the_cache_usable(model_file, server):
    fetch(model_file, server)
    server.faults.append(Fault("N15428/year", "500", 10))
    server.faults.append(Fault("municipality/1861", "malformed", 1))
    rep = fetch(model_file, server, "2015-2017")
    assert not rep.ok
    assert any("N15428 för alla kommuner: Kolada svarade 500" in p for p in rep.problems)
    assert any("inte är giltig JSON" in p for p in rep.problems)
    rows = {r.indicator: r for r in api.kolada_show(model_file)}
    assert rows["HK6"].position.rank == 3 and rows["HK6"].year == 2016
    assert rows["HK6"].text() == "Kolada 2016: 86 % · plats 3 av 11 · median 80 %"


def test_the_store_is_shared_with_the_history_store(model_file, server):
    """Another writer's tables stay; a reader does not block a fetch, a brief writer is waited for."""
    import threading

    store = default_store(model_file)
    other = sqlite3.connect(store)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE submission (id INTEGER PRIMARY KEY, unit TEXT)")
    other.execute("INSERT INTO submission (unit) VALUES ('BIN')")
    other.commit()
    reader = sqlite3.connect(store)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM submission").fetchall()  # a read transaction stays open
    writer = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # another process writing its submissions for a moment
    threading.Timer(0.5, lambda: writer.execute("COMMIT")).start()
    t0 = time.monotonic()
    rep = fetch(model_file, server)
    assert rep.ok and time.monotonic() - t0 >= 0.4
    reader.rollback()
    assert other.execute("SELECT unit FROM submission").fetchall() == [("BIN",)]
    assert other.execute("SELECT COUNT(*) FROM kolada_value").fetchone()[0] == rep.new_values
    for c in (reader, writer, other):
        c.close()


def test_years_are_parsed_in_swedish():
    assert parse_years("2012-2016") == [2012, 2013, 2014, 2015, 2016]
    assert parse_years("2012–2014") == [2012, 2013, 2014]
    assert parse_years("2016, 2014") == [2014, 2016]
    for bad in ("", "tjugo", "2016-2012", "1200"):
        with pytest.raises(InputError):
            parse_years(bad)


def test_offline_is_one_clear_message(model_file, server, tmp_path):
    fetch(model_file, server)
    cl = Client("http://127.0.0.1:1/v3/", **FAST)
    rep = kolada_fetch(load_model(model_file), parse_years("2015-2016"), default_store(model_file), client=cl)
    assert len(rep.problems) == 1 and rep.problems[0].startswith("Kunde inte nå Kolada på http://127.0.0.1:1/v3/")
    assert cl.requests == 1  # no point in asking again
    assert {r.indicator: r.position.rank for r in api.kolada_show(model_file) if r.position} == {
        "HK2": 12, "HK6": 3, "LL4": 12}


# -- the CLI --------------------------------------------------------------------------------


def test_cli_fetch_and_show(model_file, server, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    res = runner.invoke(app, ["kolada", "fetch", str(model_file), "--years", "2015-2016", "--kolada-url", server.base])
    assert res.exit_code == 0, res.output
    assert "3 nyckeltal för Hallsberg (1861) och alla kommuner, år 2015–2016" in res.stdout
    assert "Elever i åk 9 som är behöriga" in res.stdout and ATTRIBUTION in res.stdout
    server.stop()
    res = runner.invoke(app, ["kolada", "show", str(model_file)])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if "HK6" in x)
    assert "N15428" in line and "2016" in line and "86" in line and " 3 " in line and " 11 " in line
    # offline: a Swedish message, exit 1, and the cached values still shown
    monkeypatch.setenv("MALBOK_KOLADA_URL", "http://127.0.0.1:1/v3/")
    res = runner.invoke(app, ["kolada", "fetch", str(model_file), "--years", "2015-2016"])
    assert res.exit_code == 1
    assert "Kunde inte nå Kolada på http://127.0.0.1:1/v3/" in res.stderr
    assert "HK6" in res.stdout and "Traceback" not in res.output


def test_cli_reports_revisions_and_bad_input(model_file, server, tmp_path):
    store = tmp_path / "egen.sqlite"
    args = ["kolada", "fetch", str(model_file), "--years", "2016", "--kolada-url", server.base, "--historik", str(store)]
    assert runner.invoke(app, args).exit_code == 0
    server.data.add("N00914", "1861", 2016, 77.5, updated="2999-01-01")
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Kolada har ändrat 1 värde sedan förra hämtningen (gammalt → nytt):" in res.stdout
    assert "N00914 1861 2016: 76 → 77,5" in res.stdout
    for k in range(45):  # many revisions: the municipality's own first, then the first 40
        server.data.add("N00914", f"{3000 + k}", 2016, 50.0, updated="2999-01-01")
    assert runner.invoke(app, args).exit_code == 0
    for k in range(45):
        server.data.add("N00914", f"{3000 + k}", 2016, 51.0, updated="2999-01-01")
    server.data.add("N00914", "1861", 2016, 78.0, updated="2999-01-01")
    res = runner.invoke(app, args)
    lines = res.stdout.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Kolada har ändrat 46 värden"))
    assert lines[start + 1] == "  N00914 1861 2016: 77,5 → 78"
    assert lines[start + 41] == "  … och 6 till (alla finns i tabellen kolada_revision i egen.sqlite)."
    res = runner.invoke(app, ["kolada", "fetch", str(model_file), "--years", "2016", "--kolada-url", "https://x/v2/"])
    assert res.exit_code == 1 and "slutar på /v3/" in res.stderr
    res = runner.invoke(app, ["kolada", "fetch", str(model_file), "--years", "tjugo"])
    assert res.exit_code == 1 and "okända år" in res.stderr
    res = runner.invoke(app, ["kolada", "show", str(model_file), "--historik", str(tmp_path / "ingen.sqlite")])
    assert res.exit_code == 0 and "Inget hämtat från Kolada ännu" in res.stdout
    assert not (tmp_path / "ingen.sqlite").exists()


def test_290_municipalities_end_to_end(model_file):
    """A Kolada-sized year: 290 municipalities and 21 regions over several pages; Hallsberg 139th."""
    from .kolada_server import KPIS, KoladaData

    data = KoladaData(dict(KPIS))
    ids = ["1861"] + [f"{2000 + i}" for i in range(289)]
    data.municipalities = [{"id": i, "title": f"Kommun {i}", "type": "K"} for i in ids]
    data.municipalities += [{"id": f"00{r:02d}", "title": f"Region {r}", "type": "L"} for r in range(1, 22)]
    for k, mid in enumerate(ids[1:]):  # 138 better than Hallsberg (two of them tied), 151 worse
        data.add("N15428", mid, 2016, 100.0 - k * 0.1 if k < 136 else (86.05 if k < 138 else 50.0 - k * 0.1))
    data.add("N15428", "1861", 2016, 86.0)
    for r in range(1, 22):
        data.add("N15428", f"00{r:02d}", 2016, 99.9)
    with KoladaServer(data) as srv:
        rep = fetch(model_file, srv, "2016", per_page=100)
        assert srv.requests_to("N15428/year/2016?per_page=100&page=4") == 1  # 311 records, 4 pages
    assert rep.ok, rep.problems
    judged = api.kolada_judge(model_file, 2016)
    [(_t, s)] = judged["HK6"]
    assert s.reason == "2016: plats 139 av 290; de 25 % bästa är plats 1–73"
    assert s.meaning == Meaning.NOT_REACHED  # 2016 < 2018, and no earlier year to compare with


def test_nothing_to_fetch_and_region_figures(tmp_path, server):
    src = (TEMPLATES / "soderhamn.yaml").read_text(encoding="utf-8")
    (tmp_path / "soderhamn.yaml").write_text(src, encoding="utf-8")
    res = runner.invoke(app, ["kolada", "fetch", str(tmp_path / "soderhamn.yaml"), "--years", "2016",
                              "--kolada-url", server.base])
    assert res.exit_code == 1 and "inga indikatorer med Kolada-id" in res.stderr
    assert not (tmp_path / "soderhamn.historik.sqlite").exists()
    server.data.kpis["N00914"] = {**server.data.kpis["N00914"], "municipality_type": "L"}
    m = tmp_path / "hallsberg.yaml"
    m.write_text((TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    rep = fetch(m, server)
    assert rep.ok and rep.notes == ["Nyckeltalet N00914 gäller regioner (typ L), inte kommuner; indikatorn HK2 "
                                    "får ingen placering bland kommunerna."]


def test_an_unusable_store_is_a_swedish_message(model_file, server, tmp_path):
    not_db = tmp_path / "KF.xlsx"
    not_db.write_bytes(b"PK\x03\x04 inte en databas" * 100)
    res = runner.invoke(app, ["kolada", "show", str(model_file), "--historik", str(not_db)])
    assert res.exit_code == 1 and "är ingen historikfil" in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["kolada", "fetch", str(model_file), "--years", "2016", "--kolada-url", server.base,
                              "--historik", str(tmp_path / "saknas" / "h.sqlite")])
    assert res.exit_code == 1 and "kunde inte öppnas" in res.stderr


def test_a_store_locked_past_the_timeout_keeps_its_values(model_file, server, monkeypatch):
    import malbok.kolada as k

    fetch(model_file, server)
    server.data.add("N15428", "1861", 2016, 91.0, updated="2999-01-01")
    monkeypatch.setattr(k, "BUSY_SECONDS", 0.2)
    writer = sqlite3.connect(default_store(model_file), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # held for the whole fetch
    try:
        rep = fetch(model_file, server)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert not rep.ok and rep.revisions == []
    assert "kunde inte skrivas till historikfilen" in rep.problems[-1]
    with connect(default_store(model_file)) as c:
        assert position(c, "N15428", "1861", 2016).value == 86.0


def test_cli_slow_answer_is_retried_after_the_timeout(model_file, server):
    server.faults.append(Fault("municipality/1861", "slow", 1, delay=1.0))
    res = runner.invoke(app, ["kolada", "fetch", str(model_file), "--years", "2016", "--kolada-url", server.base,
                              "--timeout", "0.3"])
    assert res.exit_code == 0, res.output
    assert "1 anrop fick göras om (inget svar i tid)." in res.stdout


def test_swedish_genitive_of_municipality_names():
    from malbok.kolada import _genitive

    assert [_genitive(n) for n in ("Hallsberg", "Borås", "Hällefors", "Haparanda")] == [
        "Hallsbergs", "Borås", "Hällefors", "Haparandas"]


def test_higher_is_better_survives_the_excel_model_workbook(tmp_path):
    import openpyxl

    text = (TEMPLATES / "hallsberg.yaml").read_text(encoding="utf-8").replace(
        "    kolada: N66077\n", "    kolada: N66077\n    högre_är_bättre: false\n")
    (tmp_path / "h.yaml").write_text(text, encoding="utf-8")
    x = api.convert(tmp_path / "h.yaml", tmp_path / "h.xlsx")
    by_id = {i.id: i for i in load_model(x).indicators}
    assert by_id["LL4"].higher_is_better is False and by_id["HK6"].higher_is_better is None
    wb = openpyxl.load_workbook(x)
    ws = wb["Indikatorer"]
    hdr = [c.value for c in ws[1]]
    ws.cell(row=2, column=hdr.index("högre_är_bättre") + 1, value="kanske")
    wb.save(x)
    with pytest.raises(ModelError) as e:
        load_model(x)
    assert any("'kanske' ska vara ja eller nej" in m for _, m in e.value.problems)


def test_way_of_a_value_target_with_a_baseline_year_but_no_value():
    """A baseline year without its value (filled from the history store) does not break the ranking's direction."""
    from malbok.kolada import higher_is_better
    from malbok.model import Indicator

    ind = Indicator.model_validate({"id": "I1", "text": "x", "utgångsvärde": {"år": 2023},
                                    "målvärden": [{"typ": "värde", "värde": 5, "år": 2026}]})
    assert higher_is_better(ind) is True
