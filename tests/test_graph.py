"""The knowledge graph itself: ontology, data, provenance, orthography, dates, links, shapes."""
from __future__ import annotations

import re
import subprocess
import sys

import jdatetime
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from issgraph.config import Config
from issgraph.dataset import LoadError, load
from issgraph.validation import validate

from .conftest import FIXTURES, ROOT

ISS = Namespace("https://w3id.org/issgraph/ontology#")
RES = Namespace("https://w3id.org/issgraph/resource/")
DBR = "http://dbpedia.org/resource/"
WD = "http://www.wikidata.org/entity/"
SOURCE = ROOT / "data" / "source" / "iss-fa.txt"
ZWNJ = "\u200c"


@pytest.fixture(scope="module")
def graphs(dataset):
    return dataset.rdflib_graphs()


@pytest.fixture(scope="module")
def data(graphs):
    return graphs[0]


@pytest.fixture(scope="module")
def ontology(graphs):
    return graphs[1]


def own_terms(ontology):
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    props = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    datatypes = set(ontology.subjects(RDF.type, RDFS.Datatype))
    keep = lambda ts: {t for t in ts if isinstance(t, URIRef) and str(t).startswith(str(ISS))}
    return keep(classes), keep(props), keep(datatypes)


def test_ontology_has_iri_version_and_bilingual_metadata(ontology):
    onto = URIRef("https://w3id.org/issgraph/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionIRI) is not None
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator):
        langs = {o.language for o in ontology.objects(onto, prop)}
        assert {"en", "fa"} <= langs, prop
    assert ontology.value(onto, DCTERMS.license) is not None
    assert ontology.value(onto, DCTERMS.modified) is not None


def test_every_ontology_term_has_both_labels_and_a_definition(ontology):
    classes, props, datatypes = own_terms(ontology)
    assert len(classes) > 20 and len(props) > 30
    for term in classes | props | datatypes:
        langs = sorted(l.language for l in ontology.objects(term, RDFS.label))
        assert langs == ["en", "fa"], f"{term} labels {langs}"
        definitions = [d for d in ontology.objects(term, SKOS.definition) if d.language == "en"]
        assert definitions, f"{term} has no English definition"


def test_every_property_has_domain_and_range(ontology):
    _, props, _ = own_terms(ontology)
    for p in props:
        assert ontology.value(p, RDFS.domain) is not None, p
        assert ontology.value(p, RDFS.range) is not None, p


def test_every_term_the_data_uses_is_declared(data, ontology):
    _, props, _ = own_terms(ontology)
    classes, _, datatypes = own_terms(ontology)
    used_props = {p for p in data.predicates() if str(p).startswith(str(ISS))}
    used_classes = {o for o in data.objects(None, RDF.type) if str(o).startswith(str(ISS))}
    used_types = {o.datatype for o in data.objects() if isinstance(o, Literal) and o.datatype
                  and str(o.datatype).startswith(str(ISS))}
    assert used_props <= props, used_props - props
    assert used_classes <= classes, used_classes - classes
    assert used_types <= datatypes, used_types - datatypes


def test_every_fact_and_use_is_in_the_graph_with_its_passage(data):
    expected = {f"F{i}" for i in range(1, 28)} | {f"U{i}" for i in range(1, 7)}
    found = {}
    for node, fid in data.subject_objects(ISS.factId):
        passages = list(data.objects(node, ISS.statedIn))
        assert passages, f"{node} states {fid} with no passage"
        assert set(passages) == set(data.objects(node, PROV.wasDerivedFrom))
        found.setdefault(str(fid), []).append(node)
    assert expected == set(found), expected ^ set(found)


def source_lines():
    return [line for line in SOURCE.read_text(encoding="utf-8").split("\n") if line.strip()]


def test_passages_keep_the_source_word_for_word(data):
    lines = source_lines()
    assert len(lines) == 11
    passages = list(data.subjects(RDF.type, ISS.Passage))
    assert {str(data.value(p, DCTERMS.identifier)) for p in passages} == {
        "P1", "P2", "P3", "P4", "P5", "P2.1", "P2.2", "P2.3", "P2.4", "P2.5", "P2.6"}
    for p in passages:
        first, last = int(data.value(p, ISS.firstLine)), int(data.value(p, ISS.lastLine))
        text = data.value(p, ISS.verbatimText)
        assert text.language == "fa"
        assert str(text) == "\n".join(lines[first - 1:last])
        assert [t.language for t in data.objects(p, ISS.translation)] == ["en"]


def test_quotes_are_verbatim_words_of_their_passage(data):
    quotes = list(data.subject_objects(ISS.quote))
    assert len(quotes) > 40
    for node, quote in quotes:
        assert quote.language == "fa"
        texts = [str(data.value(p, ISS.verbatimText)) for p in data.objects(node, ISS.statedIn)]
        assert any(str(quote) in t for t in texts), f"{node}: quote not found in its passage"


def labelled_entities(data):
    return {s for s in data.subjects(RDFS.label, None) if isinstance(s, URIRef)}


def test_every_entity_has_exactly_one_english_and_one_persian_label(data):
    entities = labelled_entities(data)
    assert len(entities) > 60
    for s in entities:
        assert sorted(l.language for l in data.objects(s, RDFS.label)) == ["en", "fa"], s


# Words of the source that correct Persian writes with a zero-width non-joiner.
MISSING_ZWNJ = ["بینالمللی", "سرنشیندار", "میتوان", "شدهاند", "پژوهشهای", "آزمایشهایی", "ماهوارهها",
                "سازههای", "هزینههای", "برنامهریزی", "بزرگترین", "پرهزینهترین", "میشود", "مشارکتکنندگان",
                "فناوریهای", "بخشهای", "بهطور", "شاتلهای", "عمدهای", "اسپیساکس", "میشدند"]


def persian_texts(data):
    for s, p, o in data:
        if isinstance(o, Literal) and o.language == "fa" and p not in (ISS.quote, ISS.verbatimText):
            yield s, p, str(o)


def test_persian_labels_use_zwnj_and_persian_letters(data):
    texts = list(persian_texts(data))
    assert any(ZWNJ in t for _, _, t in texts)
    for s, p, text in texts:
        for word in MISSING_ZWNJ:
            assert word not in text, f"{s} {p}: {word!r} needs a zero-width non-joiner"
        assert not re.search("[\u064a\u0643]", text), f"{s} {p}: Arabic yeh/kaf in {text!r}"


def test_key_persian_labels(data):
    fa = lambda s: next(str(l) for l in data.objects(s, RDFS.label) if l.language == "fa")
    assert fa(RES.International_Space_Station) == "ایستگاه فضایی بین\u200cالمللی"
    assert fa(RES.Automated_Transfer_Vehicle) == "فضاپیمای ترابری خودکار"


def test_solar_hijri_dates_agree_with_gregorian(data):
    pairs = list(data.subject_objects(ISS.solarHijriDate))
    assert len(pairs) == 3
    for event, sh in pairs:
        assert sh.datatype == ISS.SolarHijriDate
        y, m, d = map(int, str(sh).split("-"))
        gregorian = jdatetime.date(y, m, d).togregorian()
        assert str(data.value(event, ISS.date)) == gregorian.isoformat(), event


def test_dates_keep_the_source_precision(data):
    XSD = "http://www.w3.org/2001/XMLSchema#"
    assert data.value(RES.Space_Shuttle_retirement, ISS.date).datatype == URIRef(XSD + "gYearMonth")
    assert data.value(RES.HTV_joins_the_support_fleet, ISS.date).datatype == URIRef(XSD + "gYearMonth")
    assert data.value(RES.Planned_completion, ISS.date).datatype == URIRef(XSD + "gYear")
    assert data.value(RES.ATV_joins_the_support_fleet, ISS.date).datatype == URIRef(XSD + "date")
    assert data.value(RES.Columbia_disaster, ISS.date) is None  # the source gives no date


def test_links_to_dbpedia_and_wikidata_are_the_listed_ones(data):
    links = {(str(s).rsplit("/", 1)[-1], str(o)) for s, o in data.subject_objects(OWL.sameAs)}
    links |= {(str(s).rsplit("/", 1)[-1], str(o)) for s, o in data.subject_objects(SKOS.exactMatch)}
    dbpedia = {o[len(DBR):] for _, o in links if o.startswith(DBR)}
    assert dbpedia == {"International_Space_Station", "Russia", "United_States", "European_Space_Agency", "Japan",
                       "Canada", "Italy", "NASA", "SpaceX", "Space_Shuttle", "Soyuz_(spacecraft)",
                       "Progress_(spacecraft)", "Automated_Transfer_Vehicle", "H-II_Transfer_Vehicle",
                       "SpaceX_Dragon", "Space_Shuttle_Columbia_disaster", "Low_Earth_orbit", "Euro"}
    wikidata = {(s, o[len(WD):]) for s, o in links if o.startswith(WD)}
    assert wikidata == {("International_Space_Station", "Q25271"), ("Russia", "Q159"), ("United_States", "Q30"),
                        ("Japan", "Q17"), ("Canada", "Q16"), ("Italy", "Q38"), ("NASA", "Q23548"), ("Euro", "Q4916")}
    # One property for twins: owl:sameAs for things; skos:exactMatch is left for concepts (none links out).
    assert not list(data.subject_objects(SKOS.exactMatch))


def test_curation_notes_record_the_three_disagreements(data):
    external = set(data.subjects(RDF.type, ISS.ExternalDisagreement))
    internal = set(data.subjects(RDF.type, ISS.InternalInconsistency))
    assert external == {RES.Note_HTV_date, RES.Note_Columbia_date, RES.Note_Columbia_explosion, RES.Note_Progress_uncrewed}
    # Each note on a disagreement with the world names the public source it relies on.
    for note in external | internal:
        assert list(data.objects(note, DCTERMS.source)), note
    assert internal == {RES.Note_completion_year}
    # The source's own claims stay as the source states them.
    assert str(data.value(RES.HTV_joins_the_support_fleet, ISS.date)) == "2011-09"


def test_shipped_graph_conforms_to_its_shapes(dataset):
    report = validate(dataset)
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("fixture, message", [
    ("missing_persian_label.ttl", "missing Persian label"),
    ("wrong_date_type.ttl", "iss:date of type xsd:date"),
    ("contribution_without_builder.ttl", "a module contribution has one builder"),
    ("fact_without_provenance.ttl", "a fact needs provenance"),
    ("fact_statement_without_passage.ttl", "a fact statement without its passage"),
    ("statement_without_quote.ttl", "a fact statement without the source's words"),
    ("fact_triple_not_reified.ttl", "a fact statement needs its passage"),
    ("interval_end_before_start.ttl", "an interval whose end precedes its start"),
    ("solar_hijri_disagrees.ttl", "a computed Solar Hijri date disagrees with the Gregorian one"),
    ("group_claim_split.ttl", "a group claim split into a single-member statement"),
    ("exact_match_for_a_thing.ttl", "skos:exactMatch is only for concepts"),
])
def test_broken_fixture_fails_with_its_message(fixture, message):
    report = validate(load(Config(data_path=FIXTURES / fixture)))
    assert not report.conforms
    assert any(message in v.message for v in report.violations), report.to_text()


def test_minimal_valid_fixture_conforms():
    assert validate(load(Config(data_path=FIXTURES / "valid_minimal.ttl"))).conforms


def test_malformed_turtle_reports_file_line_and_column():
    with pytest.raises(LoadError) as err:
        load(Config(data_path=FIXTURES / "malformed.ttl"))
    assert (err.value.line, err.value.column) == (25, 5)
    assert "malformed.ttl:25:5" in str(err.value)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "issgraph.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_validate_exit_codes_and_messages():
    ok = run_cli("validate")
    assert ok.returncode == 0 and "conforms" in ok.stdout
    bad = run_cli("validate", "--data", str(FIXTURES / "missing_persian_label.ttl"))
    assert bad.returncode == 1
    assert "missing Persian label" in bad.stderr and "res:Canada" in bad.stderr
    unreadable = run_cli("validate", "--data", str(FIXTURES / "malformed.ttl"))
    assert unreadable.returncode == 2
    assert "malformed.ttl:25:5" in unreadable.stderr and "Traceback" not in unreadable.stderr


def test_cli_validate_machine_readable_reports():
    import json

    as_json = run_cli("validate", "--format", "json", "--data", str(FIXTURES / "wrong_date_type.ttl"))
    assert as_json.returncode == 1
    doc = json.loads(as_json.stdout)
    assert doc["conforms"] is False and doc["violations"][0]["focus"] == "res:Launch_of_the_first_module"
    as_turtle = run_cli("validate", "--format", "turtle", "--data", str(FIXTURES / "wrong_date_type.ttl"))
    assert as_turtle.returncode == 1
    report = Graph().parse(data=as_turtle.stdout, format="turtle")
    SH = Namespace("http://www.w3.org/ns/shacl#")
    assert (None, SH.conforms, Literal(False)) in report


SH = Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def shapes(graphs):
    return graphs[2]


def test_every_class_the_data_uses_has_a_node_shape(data, ontology, shapes):
    targets = set(shapes.objects(None, SH.targetClass))
    for cls in set(data.objects(None, RDF.type)):
        ancestors = {cls} | set(ontology.transitive_objects(cls, RDFS.subClassOf))
        assert ancestors & targets, f"no shape targets {cls}"


def test_every_constraint_has_an_english_message(shapes):
    constrained = set(shapes.subjects(SH.path, None))
    assert len(constrained) > 40
    for shape in constrained:
        assert shapes.value(shape, SH.message) is not None, f"property shape on {shapes.value(shape, SH.path)} has no sh:message"
