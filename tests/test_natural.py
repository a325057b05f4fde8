"""Natural queries: SPARQL as a new user writes it after reading the ontology page and the README.

No `rdfs:subClassOf*` paths, no `STR()` on dates, no `CONTAINS` on labels: types come from the
inferred graph, dates compare through iss:firstDay / iss:lastDay (xsd:date), Solar Hijri dates
are integers, provenance is per statement (rdf:Statement with iss:statedIn), uses link to their
topics with iss:about. Each query has its expected answer, on both engines.
"""
from __future__ import annotations

import json

import pytest

from issgraph.app import Services
from issgraph.config import Config
from issgraph.protocol import ProtocolQuery

PREFIXES = """PREFIX iss: <https://w3id.org/issgraph/ontology#>
PREFIX res: <https://w3id.org/issgraph/resource/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dbr: <http://dbpedia.org/resource/>
"""
RES = "https://w3id.org/issgraph/resource/"
ISS = "https://w3id.org/issgraph/ontology#"


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def ask(request, dataset):
    """Run a query (prefixes added) on one engine; SELECT gives rows of values, ASK a boolean."""
    svc = Services(Config(engine=request.param, query_timeout=30), dataset)

    def run(query: str):
        reply = svc.queries.answer(ProtocolQuery(query=PREFIXES + query), "application/sparql-results+json")
        assert reply.status == 200, reply.error
        doc = json.loads(reply.body)
        if "boolean" in doc:
            return doc["boolean"]
        return [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]

    yield run
    svc.executor.close()


def names(rows, var: str) -> list[str]:
    """The local names of the resources bound to `var`, in row order."""
    return [r[var][len(RES):] if r[var].startswith(RES) else r[var] for r in rows]


# --- the examples ---------------------------------------------------------------------------

def test_every_event_is_an_event_without_a_reasoner(ask):
    rows = ask("SELECT ?e WHERE { ?e a iss:Event }")
    assert sorted(names(rows, "e")) == sorted([
        "Launch_of_the_first_module", "Arrival_of_the_first_expedition", "ATV_joins_the_support_fleet",
        "HTV_joins_the_support_fleet", "Space_Shuttle_retirement", "Columbia_disaster"])


def test_every_milestone_is_a_milestone(ask):
    rows = ask("SELECT ?m WHERE { ?m a iss:Milestone }")
    assert sorted(names(rows, "m")) == sorted([
        "Planned_completion", "Completion_implied_by_the_2008_record", "Planned_end_of_operation",
        "Expected_operation_beyond_the_mid-2020s"])


def test_organisations_by_their_schema_org_class(ask):
    rows = ask("SELECT ?o WHERE { ?o a schema:Organization }")
    assert sorted(names(rows, "o")) == ["Europe", "NASA", "SpaceX"]


def test_spacecraft_that_joined_between_the_first_crew_and_the_shuttles_retirement(ask):
    """The issue's FILTER(?joined > ?crewArrival && ?joined < ?shuttleRetired), on the events' first days."""
    rows = ask("""
        SELECT ?spacecraft WHERE {
          ?joining a iss:FleetJoining ; iss:spacecraft ?spacecraft ; iss:firstDay ?joined .
          ?arrival a iss:CrewArrival ; iss:firstDay ?crewArrival .
          ?retirement a iss:Retirement ; iss:firstDay ?shuttleRetired .
          FILTER(?joined > ?crewArrival && ?joined < ?shuttleRetired)
        }""")
    assert names(rows, "spacecraft") == ["Automated_Transfer_Vehicle"]


def test_the_same_comparison_on_the_spacecrafts_own_dates(ask):
    rows = ask("""
        SELECT ?spacecraft WHERE {
          ?spacecraft iss:inServiceSinceInterval/iss:firstDay ?joined .
          res:Space_Shuttle iss:retiredInInterval/iss:firstDay ?shuttleRetired .
          ?arrival a iss:CrewArrival ; iss:firstDay ?crewArrival .
          FILTER(?joined > ?crewArrival && ?joined < ?shuttleRetired)
        }""")
    assert names(rows, "spacecraft") == ["Automated_Transfer_Vehicle"]


def test_year_of_a_date_works_whatever_its_precision(ask):
    rows = ask("SELECT ?e WHERE { ?e a iss:Event ; iss:firstDay ?d FILTER(YEAR(?d) = 2011) }")
    assert sorted(names(rows, "e")) == ["HTV_joins_the_support_fleet", "Space_Shuttle_retirement"]


def test_what_happened_in_solar_hijri_1386(ask):
    rows = ask("SELECT ?e WHERE { ?e iss:solarHijriYear 1386 ; rdfs:label ?l FILTER(LANG(?l) = 'en') }")
    assert names(rows, "e") == ["ATV_joins_the_support_fleet"]


def test_which_passage_states_that_the_station_serves_as_an_observatory(ask):
    rows = ask("""
        SELECT ?id WHERE {
          ?statement rdf:subject res:International_Space_Station ; rdf:predicate iss:mainUse ;
                     rdf:object res:Permanent_observatory ; iss:statedIn ?passage .
          ?passage dcterms:identifier ?id
        }""")
    assert names(rows, "id") == ["P2.2"]


def test_which_passage_states_that_the_station_is_the_most_expensive_device(ask):
    rows = ask("""
        SELECT ?id WHERE {
          ?statement rdf:subject res:International_Space_Station ; rdf:predicate iss:holdsRecord ;
                     rdf:object ?record ; iss:statedIn ?passage .
          ?record rdfs:label "Most expensive device ever built"@en .
          ?passage dcterms:identifier ?id
        }""")
    assert names(rows, "id") == ["P3"]


def test_no_single_spacecraft_is_said_to_carry_astronauts_the_group_is(ask):
    assert ask("ASK { res:Progress iss:carries res:Astronauts }") is False
    rows = ask("SELECT ?who WHERE { ?who iss:carries res:Astronauts }")
    assert names(rows, "who") == ["Shuttle_Soyuz_and_Progress"]
    rows = ask("SELECT ?member WHERE { ?group a iss:SpacecraftGroup ; iss:carries res:Cargo ; iss:member ?member }")
    assert sorted(names(rows, "member")) == ["Progress", "Soyuz", "Space_Shuttle"]


def test_what_was_planned_lists_no_derived_year(ask):
    rows = ask("SELECT ?m ?year WHERE { ?m a iss:PlannedMilestone ; iss:date ?year } ORDER BY ?year")
    assert names(rows, "m") == ["Planned_completion", "Planned_end_of_operation"]
    rows = ask("SELECT ?m WHERE { ?m a iss:ImpliedMilestone }")
    assert names(rows, "m") == ["Completion_implied_by_the_2008_record"]


def test_uses_that_concern_satellites(ask):
    rows = ask("SELECT ?use WHERE { res:International_Space_Station iss:mainUse ?use . ?use iss:about res:Satellites }")
    assert names(rows, "use") == ["Service_centre"]


def test_uses_that_concern_research(ask):
    rows = ask("SELECT ?use WHERE { res:International_Space_Station iss:mainUse ?use . ?use iss:about res:Research }")
    assert sorted(names(rows, "use")) == ["Research_cooperation_centre", "Space_laboratory"]


def test_persian_definitions_of_every_class_and_property(ask):
    rows = ask("""
        SELECT ?term WHERE {
          ?term rdfs:isDefinedBy <https://w3id.org/issgraph/ontology> .
          FILTER NOT EXISTS { ?term skos:definition ?d FILTER(LANG(?d) = "fa") }
        }""")
    assert rows == []
    rows = ask("SELECT ?d WHERE { iss:Launch skos:definition ?d FILTER(LANG(?d) = 'fa') }")
    assert names(rows, "d") == ["پرتاب بخشی از ایستگاه به مدار."]


# --- more questions about the text's facts -----------------------------------------------------------

def test_events_in_time_order(ask):
    rows = ask("SELECT ?e WHERE { ?e a iss:Event ; iss:firstDay ?d } ORDER BY ?d")
    assert names(rows, "e") == ["Launch_of_the_first_module", "Arrival_of_the_first_expedition",
                                "ATV_joins_the_support_fleet", "Space_Shuttle_retirement",
                                "HTV_joins_the_support_fleet"]


def test_everything_dated_from_2010_on(ask):
    rows = ask("""SELECT ?x WHERE { ?x a iss:StationMatter ; iss:firstDay ?d
                  FILTER(?d >= "2010-01-01"^^xsd:date) } ORDER BY ?d ?x""")
    assert names(rows, "x") == ["Completion_implied_by_the_2008_record", "Space_Shuttle_retirement",
                                "HTV_joins_the_support_fleet", "Planned_completion", "Planned_end_of_operation"]


def test_events_in_the_solar_hijri_month_of_aban(ask):
    rows = ask("""SELECT ?e ?year ?day WHERE { ?e a iss:Event ; iss:solarHijriMonth 8 ;
                  iss:solarHijriYear ?year ; iss:solarHijriDay ?day } ORDER BY ?year""")
    assert [(n, r["year"], r["day"]) for n, r in zip(names(rows, "e"), rows)] == [
        ("Launch_of_the_first_module", "1377", "29"), ("Arrival_of_the_first_expedition", "1379", "12")]


def test_solar_hijri_dates_the_source_states_are_not_marked_computed(ask):
    rows = ask("SELECT ?e WHERE { ?e a iss:Event ; iss:solarHijriComputed false }")
    assert sorted(names(rows, "e")) == ["ATV_joins_the_support_fleet", "Arrival_of_the_first_expedition",
                                        "Launch_of_the_first_module"]
    rows = ask("SELECT ?e WHERE { ?e a iss:Event ; iss:solarHijriComputed true }")
    assert sorted(names(rows, "e")) == ["HTV_joins_the_support_fleet", "Space_Shuttle_retirement"]


def test_the_solar_hijri_span_of_a_month_precise_date(ask):
    rows = ask("""SELECT ?from ?to ?year WHERE { res:Space_Shuttle_retirement iss:solarHijriFirstDay ?from ;
                  iss:solarHijriLastDay ?to ; iss:solarHijriYear ?year }""")
    assert [(r["from"], r["to"], r["year"]) for r in rows] == [("1390-04-10", "1390-05-09", "1390")]


def test_years_from_the_first_module_to_the_first_crew(ask):
    rows = ask("""SELECT ((YEAR(?crew) - YEAR(?launch)) AS ?years) WHERE {
                  res:Launch_of_the_first_module iss:firstDay ?launch .
                  res:Arrival_of_the_first_expedition iss:firstDay ?crew }""")
    assert names(rows, "years") == ["2"]


def test_the_owl_time_interval_of_a_date(ask):
    rows = ask("""SELECT ?begin ?end WHERE { res:HTV_joins_the_support_fleet iss:dateInterval ?i .
                  ?i a time:Interval ; time:hasBeginning/time:inXSDDate ?begin ; time:hasEnd/time:inXSDDate ?end }""")
    assert [(r["begin"], r["end"]) for r in rows] == [("2011-09-01", "2011-09-30")]


def test_the_shuttle_was_retired_before_the_htv_joined(ask):
    assert ask("""ASK { res:Space_Shuttle iss:retiredInInterval/iss:lastDay ?retired .
                   res:H-II_Transfer_Vehicle iss:inServiceSinceInterval/iss:firstDay ?joined
                   FILTER(?retired < ?joined) }""") is True


def test_when_operation_is_expected_to_go_on_past(ask):
    rows = ask("SELECT ?after WHERE { ?m a iss:ExpectedMilestone ; iss:expectedAfterInterval/iss:lastDay ?after }")
    assert names(rows, "after") == ["2025-12-31"]


def test_which_passage_states_when_the_first_module_was_launched(ask):
    rows = ask("""SELECT ?id ?quote WHERE { ?s rdf:subject res:Launch_of_the_first_module ; rdf:predicate iss:date ;
                  iss:statedIn/dcterms:identifier ?id ; iss:quote ?quote }""")
    assert names(rows, "id") == ["P1"] and "۲۰ نوامبر ۱۹۹۸" in rows[0]["quote"]


def test_which_passage_says_who_builds_dragon(ask):
    rows = ask("""SELECT ?id WHERE { ?s rdf:subject res:Dragon ; rdf:predicate iss:manufacturer ;
                  rdf:object res:SpaceX ; iss:statedIn/dcterms:identifier ?id }""")
    assert names(rows, "id") == ["P5"]


def test_what_passage_p3_says_about_the_station(ask):
    rows = ask("""SELECT DISTINCT ?property WHERE { ?s rdf:subject res:International_Space_Station ;
                  rdf:predicate ?property ; iss:statedIn res:Passage_P3 }""")
    assert sorted(names(rows, "property")) == [ISS + p for p in ("estimatedCost", "holdsRecord", "participationBenefit")]


def test_what_each_use_concerns(ask):
    rows = ask("""SELECT ?notation (COUNT(?topic) AS ?n) WHERE { ?use a iss:MainUse ; skos:notation ?notation ;
                  iss:about ?topic } GROUP BY ?notation ORDER BY ?notation""")
    assert [(r["notation"], int(r["n"])) for r in rows] == [("U1", 2), ("U2", 5), ("U3", 3), ("U4", 3),
                                                            ("U5", 2), ("U6", 5)]


def test_uses_that_observe_the_sun_or_carry_cargo(ask):
    rows = ask("SELECT ?use WHERE { ?use iss:about res:Sun }")
    assert names(rows, "use") == ["Permanent_observatory"]
    rows = ask("SELECT ?use WHERE { ?use iss:about res:Cargo }")
    assert names(rows, "use") == ["Orbital_transport_hub"]
    rows = ask("SELECT ?use WHERE { ?use dcterms:subject res:Private_sector }")   # the super-property, inferred
    assert names(rows, "use") == ["Research_cooperation_centre"]


def test_who_is_behind_each_spacecraft(ask):
    rows = ask("""SELECT ?spacecraft ?who WHERE {
                    { ?spacecraft iss:operator ?who } UNION { ?spacecraft iss:manufacturer ?who }
                    UNION { ?spacecraft iss:countryOfOrigin ?who } } ORDER BY ?spacecraft""")
    assert sorted(zip(names(rows, "spacecraft"), names(rows, "who"))) == [
        ("Dragon", "SpaceX"), ("H-II_Transfer_Vehicle", "Japan"), ("Space_Shuttle", "NASA")]
    rows = ask("SELECT ?maker WHERE { res:Dragon schema:manufacturer ?maker }")   # schema.org, inferred
    assert names(rows, "maker") == ["SpaceX"]


def test_the_currency_is_a_resource_with_its_code(ask):
    rows = ask("""SELECT ?currency ?code WHERE { res:International_Space_Station iss:estimatedCost ?cost .
                  ?cost iss:currencyUnit ?currency . ?currency skos:notation ?code ; owl:sameAs dbr:Euro }""")
    assert [(n, r["code"]) for n, r in zip(names(rows, "currency"), rows)] == [("Euro", "EUR")]


def test_twins_in_dbpedia_are_owl_same_as(ask):
    rows = ask("SELECT ?x WHERE { ?x owl:sameAs dbr:European_Space_Agency }")
    assert names(rows, "x") == ["Europe"]
    assert ask("ASK { ?x skos:exactMatch ?y }") is False


def test_what_the_curators_note_about_progress_and_their_source(ask):
    rows = ask("""SELECT ?note ?source WHERE { ?note a iss:CurationNote ; iss:concerns res:Progress ;
                  dcterms:source ?source }""")
    assert [(n, r["source"]) for n, r in zip(names(rows, "note"), rows)] == [
        ("Note_Progress_uncrewed", "https://en.wikipedia.org/wiki/Progress_(spacecraft)")]


def test_what_the_curators_note_about_columbia(ask):
    rows = ask("SELECT ?note WHERE { ?note iss:concerns res:Columbia_disaster }")
    assert sorted(names(rows, "note")) == ["Note_Columbia_date", "Note_Columbia_explosion"]


def test_countries_by_their_schema_org_class(ask):
    rows = ask("SELECT ?c WHERE { ?c a schema:Country }")
    assert sorted(names(rows, "c")) == ["Canada", "Italy", "Japan", "Russia", "United_States"]


def test_every_spacecraft_is_a_dbpedia_spacecraft(ask):
    rows = ask("SELECT (COUNT(?s) AS ?n) WHERE { ?s a <http://dbpedia.org/ontology/Spacecraft> }")
    assert names(rows, "n") == ["6"]



def test_the_readmes_query_idioms_answer_as_it_says(ask):
    """Every ```sparql block of the README runs (its own prefixes) and answers what its comment asks."""
    import re

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sparql\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 4
    answers = [ask(block) for block in blocks]       # PREFIXES are prepended; redeclaring is allowed
    assert names(answers[0], "spacecraft") == ["Automated_Transfer_Vehicle"]
    assert names(answers[1], "event") == ["ATV_joins_the_support_fleet"]
    assert names(answers[2], "passage") == ["P2.2"]
    assert names(answers[3], "use") == ["Service_centre"]


def test_the_ontology_page_gives_definitions_in_the_readers_language(client):
    """What the outsider reads before asking: the Persian page defines terms in Persian."""
    fa = client.get("/ontology?lang=fa", headers={"Accept": "text/html"}).data.decode("utf-8")
    en = client.get("/ontology?lang=en", headers={"Accept": "text/html"}).data.decode("utf-8")
    assert "نخستین روزی که یک تاریخ در بر می‌گیرد" in fa and "The first day a date spans" not in fa
    assert "The first day a date spans" in en
    assert 'id="firstDay"' in fa and 'id="SpacecraftGroup"' in en


# --- questions an outside reader asked (only the ontology page and the README read) -------------------

def test_the_builders_are_exactly_those_who_built_modules(ask):
    builders = ask("SELECT DISTINCT ?b WHERE { ?b a iss:Builder }")
    built = ask("SELECT DISTINCT ?b WHERE { ?c a iss:ModuleContribution ; iss:builder ?b }")
    assert sorted(names(builders, "b")) == sorted(names(built, "b"))
    assert "NASA" not in names(builders, "b")          # a space agency that built no module


def test_a_module_count_matches_as_the_ontology_types_it(ask):
    range_ = ask("SELECT ?r WHERE { iss:moduleCount rdfs:range ?r }")
    assert [r["r"] for r in range_] == ["http://www.w3.org/2001/XMLSchema#integer"]
    rows = ask('SELECT ?c WHERE { ?c iss:moduleCount "6"^^xsd:integer }')
    assert names(rows, "c") == ["Modules_built_by_Russia"]
    assert names(ask("SELECT ?c WHERE { ?c iss:moduleCount 6 }"), "c") == ["Modules_built_by_Russia"]


def test_the_expected_milestone_comes_after_the_planned_end_of_operation(ask):
    rows = ask("""SELECT ?m WHERE {
      ?m a iss:ExpectedMilestone ; iss:expectedAfterInterval/iss:lastDay ?after .
      ?end a iss:PlannedMilestone ; iss:lastDay ?planned .
      FILTER(?after > ?planned) }""")
    assert len(rows) >= 1 and len({r["m"] for r in rows}) == 1
