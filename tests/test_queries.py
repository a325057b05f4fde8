"""The competency questions Q1–Q15, answered from queries/*.rq by both engines, identically."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from issgraph.app import Services
from issgraph.config import Config
from issgraph.protocol import ProtocolQuery

from .conftest import ROOT

QUERIES = ROOT / "queries"


def query_file(number: int) -> Path:
    return next(QUERIES.glob(f"q{number:02d}-*.rq"))


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def run(request, dataset):
    svc = Services(Config(engine=request.param, query_timeout=30), dataset)

    def run_query(number: int) -> list[dict]:
        reply = svc.queries.answer(ProtocolQuery(query=query_file(number).read_text(encoding="utf-8")),
                                   "application/sparql-results+json")
        assert reply.status == 200, reply.error
        doc = json.loads(reply.body)
        return [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]

    run_query.engine = request.param
    yield run_query
    svc.executor.close()


def test_every_query_file_has_a_bilingual_title_and_question():
    files = sorted(QUERIES.glob("q[0-9][0-9]-*.rq"))
    assert len(files) == 15
    for f in files:
        head = f.read_text(encoding="utf-8")
        assert "# title: " in head and "# title@fa: " in head and "# question: Q" in head, f


def test_q01_first_module_launch(run):
    (row,) = run(1)
    assert row["date"] == "1998-11-20" and row["solarHijri"] == "1377-08-29"


def test_q02_first_crew_and_what_it_began(run):
    (row,) = run(2)
    assert row["date"] == "2000-11-02" and row["solarHijri"] == "1379-08-12"
    assert row["beganLabel"] == "Useful operation of the station"
    assert row["beganLabelFa"] == "استفادهٔ مفید از ایستگاه"


def test_q03_modules_per_builder(run):
    got = sorted((" + ".join(sorted(r["builders"].split(" + "))), int(r["modules"])) for r in run(3))
    assert got == sorted([("Russia", 6), ("United States", 4), ("Europe (European Space Agency)", 3),
                          ("Japan", 2), ("Canada", 2), ("Italy", 1), ("Russia + United States", 1),
                          ("Europe (European Space Agency) + United States", 1)])


def test_q04_twenty_main_modules(run):
    assert [int(r["totalModules"]) for r in run(4)] == [20]


def test_q05_shares_counting_joint_modules(run):
    got = {r["name"]: int(r["share"]) for r in run(5)}
    assert got == {"Russia": 7, "United States": 6, "Europe (European Space Agency)": 4, "Japan": 2,
                   "Canada": 2, "Italy": 1}


def test_q06_support_spacecraft_and_since_when(run):
    rows = {r["name"]: r for r in run(6)}
    assert set(rows) == {"Space Shuttle", "Soyuz", "Progress", "Automated Transfer Vehicle",
                         "H-II Transfer Vehicle", "Dragon"}
    for name in ("Space Shuttle", "Soyuz", "Progress"):
        assert rows[name]["fromTheBeginning"] == "true" and "since" not in rows[name]
    assert rows["Automated Transfer Vehicle"]["since"] == "2008-03-09"
    assert rows["H-II Transfer Vehicle"]["since"] == "2011-09"
    assert rows["Dragon"]["newest"] == "true" and "since" not in rows["Dragon"]


def test_q07_shuttle_retired_after_columbia(run):
    (row,) = run(7)
    assert (row["name"], row["date"], row["afterName"]) == ("Space Shuttle", "2011-07", "Space Shuttle Columbia disaster")


def test_q08_dragon_built_by_spacex_a_private_company(run):
    (row,) = run(8)
    assert (row["name"], row["kindName"], row["kindNameFa"]) == ("SpaceX", "private company", "شرکت خصوصی")


def test_q09_cost_more_than_100_billion_euros(run):
    (row,) = run(9)
    assert Decimal(row["moreThan"]) == Decimal("100000000000") and row["currency"] == "EUR"


def test_q10_six_main_uses_in_both_languages(run):
    rows = run(10)
    assert [r["notation"] for r in rows] == ["U1", "U2", "U3", "U4", "U5", "U6"]
    assert rows[0]["name"] == "Space laboratory" and rows[0]["nameFa"] == "آزمایشگاه فضایی"
    assert all(r["nameFa"] and r["name"] for r in rows)


def test_q11_records_and_since_when(run):
    rows = {r["name"]: r.get("since") for r in run(11)}
    assert rows == {"Largest station ever built in Earth orbit": "2008", "Most expensive device ever built": None}


def test_q12_planned_until_2020_expected_past_mid_2020s(run):
    rows = {r["kind"].rsplit("#", 1)[1]: r for r in run(12)}
    assert rows["PlannedMilestone"]["plannedFor"] == "2020"
    assert rows["ExpectedMilestone"]["expectedAfter"] == "2025" and "plannedFor" not in rows["ExpectedMilestone"]


def test_q13_the_atv_passage_word_for_word(run):
    (row,) = run(13)
    source = [l for l in (ROOT / "data/source/iss-fa.txt").read_text(encoding="utf-8").split("\n") if l.strip()]
    assert row["id"] == "P5" and row["verbatim"] == source[10]
    assert "فضاپیمای ترابری خودکار از ۱۹ اسفند ۱۳۸۶" in row["quote"]


def test_q14_persian_name_of_the_atv(run):
    assert run(14) == [{"nameFa": "فضاپیمای ترابری خودکار"}]


def test_q15_disagreements(run):
    rows = {r["note"].rsplit("/", 1)[1]: r for r in run(15)}
    assert set(rows) == {"Note_HTV_date", "Note_Columbia_date", "Note_completion_year", "Note_Columbia_explosion",
                         "Note_Progress_uncrewed"}
    assert "2009" in rows["Note_HTV_date"]["otherSays"]
    assert rows["Note_completion_year"]["kind"].endswith("#InternalInconsistency")
    assert "2015" in rows["Note_completion_year"]["sourceSays"] and "2010" in rows["Note_completion_year"]["otherSays"]


@pytest.fixture(scope="module")
def both_engines(dataset):
    out = {engine: Services(Config(engine=engine, query_timeout=30), dataset) for engine in ("oxigraph", "rdflib")}
    yield out
    for svc in out.values():
        svc.executor.close()


def _rows(body: bytes, fmt: str) -> tuple[list, list[str]]:
    if fmt == "tsv":
        lines = body.decode("utf-8").splitlines()
        return lines[:1], lines[1:]
    doc = json.loads(body)
    return doc["head"]["vars"], [json.dumps(b, sort_keys=True, ensure_ascii=False) for b in doc["results"]["bindings"]]


def _tokens(row: str) -> str:
    """GROUP_CONCAT has no defined order in SPARQL: compare a row's words as a multiset."""
    for ch in '+",{}':
        row = row.replace(ch, " ")
    return " ".join(sorted(row.split()))


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["json", "tsv"])
def test_both_engines_give_identical_answers(both_engines, path, fmt):
    text = path.read_text(encoding="utf-8")
    answers = {}
    for engine, svc in both_engines.items():
        reply = svc.queries.answer(ProtocolQuery(query=text, params=(("format", fmt),)), None)
        assert reply.status == 200, (engine, reply.error)
        answers[engine] = _rows(reply.body, fmt)
    (head_ox, rows_ox), (head_rdf, rows_rdf) = answers["oxigraph"], answers["rdflib"]
    assert head_ox == head_rdf
    if "GROUP_CONCAT" in text:
        rows_ox, rows_rdf = [_tokens(r) for r in rows_ox], [_tokens(r) for r in rows_rdf]
    if "ORDER BY" not in text or "GROUP_CONCAT" in text:
        rows_ox, rows_rdf = sorted(rows_ox), sorted(rows_rdf)
    assert rows_ox == rows_rdf and rows_ox


def test_engines_write_identical_bytes_for_an_ordered_query(both_engines):
    text = query_file(5).read_text(encoding="utf-8")
    bodies = [svc.queries.answer(ProtocolQuery(query=text, params=(("format", f),)), None).body
              for svc in both_engines.values() for f in ("json", "xml", "csv", "tsv")]
    assert bodies[:4] == bodies[4:]


def test_cli_query_runs_a_file_as_a_table():
    out = subprocess.run([sys.executable, "-m", "issgraph.cli", "query", str(query_file(4))], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "totalModules" in out.stdout and "20" in out.stdout and "(1 row)" in out.stdout


def test_cli_query_text_in_csv_and_refuses_service():
    ok = subprocess.run([sys.executable, "-m", "issgraph.cli", "query", "--format", "csv",
                         "SELECT ?n WHERE { <https://w3id.org/issgraph/resource/Automated_Transfer_Vehicle> "
                         "<http://www.w3.org/2000/01/rdf-schema#label> ?n FILTER(LANG(?n)='fa') }"],
                        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.splitlines() == ["n", "فضاپیمای ترابری خودکار"]
    bad = subprocess.run([sys.executable, "-m", "issgraph.cli", "query",
                          "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "SERVICE" in bad.stderr and "Traceback" not in bad.stderr
