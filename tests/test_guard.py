"""Tests of the pre-flight query guard: what it refuses, what it lets through, and where it points."""

import random
import time

import pytest

from issgraph.guard import GuardedQuery, Limits, QueryRejected, check_query

SERVICE_REFUSED = "SERVICE (federated query) is not allowed on this endpoint: the server makes no outgoing requests"
NOT_A_QUERY = "not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK"


def rejected(text, limits=Limits(), allowed_graphs=None):
    with pytest.raises(QueryRejected) as caught:
        check_query(text, limits, allowed_graphs)
    return caught.value


# Keywords inside strings, IRIs and comments are text, not keywords.

@pytest.mark.parametrize("literal", [
    "'SERVICE'",
    '"SERVICE"',
    "'''one ' two '' SERVICE <http://x/> { }'''",
    '"""one " two "" SERVICE <http://x/> { }"""',
    r"'it\'s SERVICE'",
    r'"say \"SERVICE <http://x/> { }\""',
    r"'''ends in a backslash-escaped quote \''''",
    "'INSERT DATA { }'",
    "'a ; b'",
    "'(((((((((('",
])
def test_keyword_inside_a_string_literal_is_not_matched(literal):
    assert check_query(f"SELECT * {{ ?s ?p {literal} }}").form == "SELECT"


def test_keyword_inside_a_comment_is_not_matched():
    assert check_query("# SERVICE <http://x/> { }\nSELECT * {\n  ?s ?p ?o # DROP ALL ; SERVICE\n}").form == "SELECT"


def test_keyword_inside_an_iri_is_not_matched():
    assert check_query("SELECT * { <http://x/SERVICE> <http://x/DROP> <http://x/(((> }").form == "SELECT"


def test_hash_inside_an_iri_or_string_does_not_start_a_comment():
    assert rejected("SELECT * { <http://x/#a> ?p ?o . SERVICE <http://y/> { } }").message == SERVICE_REFUSED
    assert rejected("SELECT * { ?s ?p '#' . SERVICE <http://y/> { } }").message == SERVICE_REFUSED


# SERVICE

@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }",
    "SELECT * { service <http://x/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://x/sparql> { ?s ?p ?o } }",
    "SELECT * { SeRvIcE ?endpoint { ?s ?p ?o } }",
])
def test_service_is_refused_in_any_case(text):
    error = rejected(text)
    assert (error.status, error.message) == (400, SERVICE_REFUSED)
    assert (error.line, error.column) == (1, 12)


@pytest.mark.parametrize("text", [
    # Oxigraph matches keywords without a word boundary: all three call the service.
    "SELECT * { ?s ?p trueSERVICE<http://x/>{ ?a ?b ?c } }",
    "SELECT * { SERVICESILENT<http://x/>{ ?a ?b ?c } }",
    "PREFIX x: <http://x/> SELECT * { SERVICEx:y{ ?a ?b ?c } }",
])
def test_service_glued_to_a_neighbouring_token_is_refused(text):
    assert rejected(text).message == SERVICE_REFUSED


def test_service_as_a_variable_or_a_prefixed_name_passes():
    text = "PREFIX service: <http://s/> SELECT ?service { ?s service:p ?service ; <http://s/service> $service }"
    assert check_query(text).form == "SELECT"


def test_service_reports_its_line_and_column():
    error = rejected("SELECT ?s\nWHERE {\n  ?s ?p ?o . SERVICE <http://x/> { }\n}")
    assert (error.line, error.column) == (3, 14)


def test_service_hidden_by_a_codepoint_escape_is_refused():
    # SPARQL and rdflib expand \u0022 to '"' before parsing, which closes the string early.
    error = rejected(r'SELECT * { BIND("\u0022 } SERVICE <http://x/> { ?s ?p ?o } #" AS ?x) }')
    assert error.message == SERVICE_REFUSED
    assert (error.line, error.column) == (1, 27)


def test_service_after_a_carriage_return_in_a_comment_is_refused():
    # Oxigraph ends a comment at a lone CR, so the SERVICE on the same line is live.
    error = rejected("SELECT * WHERE { # note\r SERVICE <http://x/> { } }")
    assert (error.message, error.column) == (SERVICE_REFUSED, 26)


def test_service_hidden_from_one_engine_by_a_carriage_return_is_refused():
    # rdflib ends a comment at LF only: for it the ''' is commented out and SERVICE is live,
    # while for Oxigraph the ''' opens a string that runs to the last line.
    text = "SELECT * WHERE { # \r'''\nSERVICE <http://x/> { ?s ?p ?o } }\n# '''"
    error = rejected(text)
    assert (error.message, error.line, error.column) == (SERVICE_REFUSED, 2, 1)


def test_lone_cr_line_ends_pass_although_rdflib_reads_the_rest_as_a_comment():
    # Only hazards are looked for in rdflib's reading; whether it parses is its own business.
    text = "PREFIX ex: <http://x/>\r# a comment\rSELECT * FROM ex:g {\r  ?s ?p ?o\r}\r"
    assert check_query(text).from_graphs == ("http://x/g",)


def test_crlf_line_ends_read_the_same_by_both_engines():
    text = "PREFIX ex: <http://x/>\r\n# SERVICE\r\nSELECT * FROM ex:g {\r\n  ?s ?p 'DROP' # INSERT\r\n}\r\n"
    assert check_query(text).from_graphs == ("http://x/g",)


# Updates

@pytest.mark.parametrize("text, keyword", [
    ("INSERT DATA { <http://a/> <http://b/> <http://c/> }", "INSERT"),
    ("insert data { <http://a/> <http://b/> <http://c/> }", "INSERT"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("LOAD <http://x/data.ttl>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP GRAPH <http://x/g>", "DROP"),
    ("CREATE GRAPH <http://x/g>", "CREATE"),
    ("COPY DEFAULT TO <http://x/g>", "COPY"),
    ("MOVE <http://x/a> TO <http://x/b>", "MOVE"),
    ("ADD <http://x/a> TO <http://x/b>", "ADD"),
    ("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("PREFIX ex: <http://x/>\n# comment\nDELETE DATA { ex:a ex:b ex:c }", "DELETE"),
])
def test_update_is_refused_naming_its_keyword(text, keyword):
    error = rejected(text)
    assert error.status == 403          # README: updates, however sent, get 403
    assert error.message == f"this endpoint is read-only: SPARQL Update ({keyword}) is not accepted"


def test_update_reports_the_keyword_position():
    error = rejected("PREFIX ex: <http://x/>\n  CLEAR ALL")
    assert (error.line, error.column) == (2, 3)


def test_several_operations_separated_by_semicolon_are_refused():
    error = rejected("SELECT * { ?s ?p ?o } ;\nSELECT * { ?s ?p ?o }")
    assert "read-only" in error.message and "';'" in error.message
    assert (error.line, error.column) == (1, 23)


def test_semicolons_inside_brackets_pass():
    text = "SELECT (GROUP_CONCAT(?o ; SEPARATOR=', ') AS ?all) { ?s ?p ?o ; ?q ?r }"
    assert check_query(text).form == "SELECT"


def test_update_words_as_variables_or_prefixed_names_pass():
    text = ("PREFIX ex: <http://x/> SELECT ?add $drop WHERE { ?s ex:insert ?add ; ex:delete $drop ; "
            "ex:with ex:LOAD . ?add ex:ADD ?clear }")
    assert check_query(text).form == "SELECT"


# Brackets and operators

def test_less_than_in_a_filter_is_not_taken_for_an_iri():
    assert check_query("SELECT * { ?s ?p ?x FILTER(?x < 3 && ?y > 2 && ?x<?y) }").form == "SELECT"
    # Were "<?y) SERVICE <http://y/>" read as one IRI, the SERVICE would go unseen.
    assert rejected("SELECT * { FILTER(?x <?y) SERVICE <http://y/> { } }").message == SERVICE_REFUSED


@pytest.mark.parametrize("depth", [10_000, 1_000_000])
def test_deep_nesting_is_refused_quickly_at_the_first_bracket_past_the_limit(depth):
    text = "SELECT * WHERE {" + "(" * depth
    started = time.perf_counter()
    error = rejected(text, Limits(max_bytes=2 * len(text)))
    assert time.perf_counter() - started < 2
    assert error.message == "query nests brackets deeper than 64 levels"
    # '{' at column 16 is level 1, so level 65 is the 64th '(' at column 80.
    assert (error.status, error.line, error.column) == (400, 1, 80)


def test_nesting_counts_all_bracket_kinds_and_allows_exactly_the_limit():
    assert check_query("SELECT * { [ ?p ( ?o ) ] }", Limits(max_depth=3)).form == "SELECT"
    error = rejected("SELECT * {\n [ ?p ( ( ?o ) ) ] }", Limits(max_depth=3))
    assert error.message == "query nests brackets deeper than 3 levels"
    assert (error.line, error.column) == (2, 9)


def test_reified_triples_nest_like_brackets():
    """SPARQL 1.2's << … >> nest as deep as any bracket (65 levels were evaluated, 200 ran 10 s)."""
    inner = "<< ?s ?p ?o >>"
    for _ in range(3):
        inner = f"<< ?s ?p {inner} >>"
    assert check_query(f"SELECT * {{ {inner} ?q ?r }}", Limits(max_depth=5)).form == "SELECT"
    error = rejected(f"SELECT * {{\n {inner} ?q ?r }}", Limits(max_depth=4))
    assert error.message == "query nests brackets deeper than 4 levels"
    assert (error.line, error.column) == (2, 29)      # the fourth "<<", where level 5 starts
    deep = "SELECT * { " + "<< ?s ?p " * 65 + "?o" + " >>" * 65 + " ?q ?r }"
    assert rejected(deep).message == "query nests brackets deeper than 64 levels"
    assert check_query("SELECT * { <<( ?s ?p ?o )>> ?q ?r }", Limits(max_depth=3)).form == "SELECT"
    assert rejected("SELECT * { <<( ?s ?p ?o )>> ?q ?r }", Limits(max_depth=2)).column == 14
    # A comparison and IRIs are no brackets: <a>> is <a> then >, and "<" before an IRI is a "<".
    assert check_query("SELECT * { ?s ?p ?o FILTER(?o > 1 && <a:b>> ?o && ?o < <a:c>) }", Limits(max_depth=2))


def test_closed_brackets_free_their_level():
    assert check_query("SELECT * { " + "{ } " * 1000 + "}", Limits(max_depth=2)).form == "SELECT"


def test_stray_closing_brackets_do_not_buy_extra_depth():
    error = rejected("SELECT * { } ) ) ) ( ( (", Limits(max_depth=2))
    assert (error.line, error.column) == (1, 24)


def test_less_than_operator_does_not_hide_brackets():
    error = rejected("SELECT * { FILTER(?x < (1) && ?y > 2) }", Limits(max_depth=2))
    assert (error.line, error.column) == (1, 24)


def test_brackets_inside_strings_iris_and_comments_do_not_nest():
    text = "SELECT * { ?s <http://x/((((> '((((' # ((((\n }"
    assert check_query(text, Limits(max_depth=1)).form == "SELECT"


# Size and characters

def test_oversized_query_is_refused_with_413():
    error = rejected("SELECT * {}" + " " * 70_000)
    assert error.status == 413
    assert error.message == "query is 70011 bytes; the limit is 65536 bytes"


def test_size_is_counted_in_utf8_bytes():
    error = rejected("SELECT * { ?s ?p '" + "é" * 40_000 + "' }")
    assert (error.status, error.message) == (413, "query is 80021 bytes; the limit is 65536 bytes")


def test_size_is_checked_before_anything_else():
    started = time.perf_counter()
    error = rejected("\x00 SERVICE DROP \ud800 " + "(" * 10_000_000)
    assert time.perf_counter() - started < 2
    assert error.status == 413


def test_nul_character_is_refused_with_its_position():
    error = rejected("SELECT * {\n ?s ?p '\x00' }")
    assert (error.status, error.line, error.column) == (400, 2, 9)
    assert "NUL" in error.message


def test_lone_surrogate_is_refused():
    error = rejected("SELECT * { ?s ?p '\ud83d' }")
    assert error.status == 400
    assert "U+D83D" in error.message and (error.line, error.column) == (1, 19)


# Query form, empty queries and the prologue

@pytest.mark.parametrize("body, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE ex:thing", "DESCRIBE"),
    ("ASK { ?s ?p ?o }", "ASK"),
    ("select * where { ?s ?p ?o }", "SELECT"),
    ("ask{}", "ASK"),
])
def test_query_form_is_found_after_prologue_and_comments(body, form):
    text = f"# leading comment\nBASE <http://x/>\nPREFIX ex: <ns#>  # trailing comment\nprefix : <http://y/>\n\n{body}"
    result = check_query(text)
    assert isinstance(result, GuardedQuery)
    assert (result.form, result.text) == (form, text)


@pytest.mark.parametrize("text", ["", "   \n\t ", "# only\n# comments\n", "#"])
def test_empty_query_is_refused(text):
    error = rejected(text)
    assert (error.status, error.message) == (400, "the query is empty")


def test_query_without_a_form_keyword_is_refused_at_its_first_token():
    error = rejected("PREFIX ex: <http://x/>\n# what follows is no query\n  { ?s ?p ?o }")
    assert error.message == NOT_A_QUERY
    assert (error.line, error.column) == (3, 3)


def test_prologue_alone_is_not_a_query():
    assert rejected("PREFIX ex: <http://x/>").message == NOT_A_QUERY


def test_malformed_prefix_declaration_is_refused():
    error = rejected("PREFIX ex <http://x/> SELECT * {}")
    assert error.message == "malformed PREFIX declaration: expected PREFIX name: <IRI>"
    assert (error.line, error.column) == (1, 1)


# FROM and FROM NAMED

SERVED = frozenset({"http://x/default", "http://x/named", "http://x/b/rel"})
SERVED_LIST = "<http://x/b/rel>, <http://x/default>, <http://x/named>"


def test_from_graphs_are_collected_when_any_graph_is_allowed():
    result = check_query("SELECT * FROM <http://a/> FROM NAMED <http://b/> FROM <http://c/> { }")
    assert result.from_graphs == ("http://a/", "http://c/")
    assert result.from_named_graphs == ("http://b/",)


def test_query_without_from_has_no_graphs():
    result = check_query("SELECT * { ?s ?p ?o }", allowed_graphs=SERVED)
    assert (result.from_graphs, result.from_named_graphs) == ((), ())


def test_from_prefixed_name_is_expanded_and_checked_against_allowed_graphs():
    result = check_query("PREFIX x: <http://x/> SELECT * FROM x:default { }", allowed_graphs=SERVED)
    assert result.from_graphs == ("http://x/default",)
    error = rejected("PREFIX x: <http://x/>\nSELECT * FROM x:other { }", allowed_graphs=SERVED)
    assert error.message == f"FROM <http://x/other> names a graph this endpoint does not serve; it serves: {SERVED_LIST}"
    assert (error.status, error.line, error.column) == (400, 2, 15)


def test_from_named_is_collected_and_checked():
    result = check_query("PREFIX x: <http://x/> SELECT * FROM NAMED x:named { }", allowed_graphs=SERVED)
    assert (result.from_graphs, result.from_named_graphs) == ((), ("http://x/named",))
    error = rejected("SELECT * from named <http://x/secret> { }", allowed_graphs=SERVED)
    assert error.message.startswith("FROM NAMED <http://x/secret> names a graph this endpoint does not serve")


def test_from_relative_iri_is_resolved_against_base():
    result = check_query("BASE <http://x/b/c> SELECT * FROM <rel> { }", allowed_graphs=SERVED)
    assert result.from_graphs == ("http://x/b/rel",)


def test_relative_prefix_iri_is_resolved_against_base():
    result = check_query("BASE <http://x/> PREFIX g: <b/> SELECT * FROM g:rel { }")
    assert result.from_graphs == ("http://x/b/rel",)


def test_from_with_an_undeclared_prefix_is_refused():
    error = rejected("SELECT * FROM nope:g { }")
    assert error.message == "FROM nope:g uses the prefix 'nope:', which no PREFIX declaration defines"
    assert (error.line, error.column) == (1, 15)


def test_from_without_a_graph_is_refused():
    assert rejected("SELECT * FROM { }").message == "FROM must be followed by an IRI in <...> or a prefixed name"


def test_from_iri_codepoint_escapes_are_decoded():
    assert check_query(r"SELECT * FROM <http://x/n\u0061med> { }").from_graphs == ("http://x/named",)


@pytest.mark.parametrize("text", [
    # Oxigraph reads both as FROM / FROM NAMED although no space separates the keywords.
    "ASKFROM<http://x/secret>{}",
    "PREFIX x: <http://x/> SELECT *FROMNAMEDx:secret{}",
])
def test_from_glued_to_a_neighbouring_token_is_still_checked(text):
    assert "<http://x/secret> names a graph this endpoint does not serve" in rejected(text, allowed_graphs=SERVED).message


def test_graph_name_whose_prefix_contains_from_is_not_read_as_another_from():
    text = "PREFIX x: <http://x/secret/> PREFIX fromx: <http://x/> SELECT * FROM NAMED fromx:named { }"
    result = check_query(text, allowed_graphs=SERVED)
    assert (result.from_graphs, result.from_named_graphs) == ((), ("http://x/named",))


def test_from_named_colon_is_read_as_the_prefixed_default_graph_like_oxigraph_does():
    text = "PREFIX NAMED: <http://x/> PREFIX : <http://x/named/> SELECT * FROM NAMED:default { }"
    result = check_query(text, allowed_graphs=SERVED)
    assert (result.from_graphs, result.from_named_graphs) == (("http://x/default",), ())


# Unterminated tokens and garbage

def test_unterminated_long_string_swallows_the_rest_without_raising():
    result = check_query('SELECT * { ?s ?p """never closed SERVICE <http://x/> { } ; DROP ALL')
    assert result.form == "SELECT"


def test_service_before_an_unterminated_string_is_still_refused():
    assert rejected("SELECT * { SERVICE <http://x/> { ?s ?p 'never closed").message == SERVICE_REFUSED


def test_unterminated_short_string_ends_at_its_line():
    # A short string cannot span lines, so what follows the line break is scanned again.
    error = rejected("SELECT * { ?s ?p 'never closed\nSERVICE <http://x/> { } }")
    assert (error.message, error.line, error.column) == (SERVICE_REFUSED, 2, 1)


def test_unterminated_iri_is_left_to_the_engine():
    assert check_query("SELECT * { ?s ?p <http://x/never-closed }").form == "SELECT"


def test_random_ascii_garbage_only_ever_raises_query_rejected():
    rng = random.Random(20240601)
    # Every ASCII character, weighted towards those that open or close tokens, plus a few words.
    pieces = [chr(code) for code in range(128)] + list("?$_:<>'\"\\#(){}[];.@%\r\n ") * 3 + [
        "SERVICE", "service", "FROM", "NAMED", "SELECT", "PREFIX a: <http://a/> ", "'''", '"""', r"\u0022"]
    started = time.perf_counter()
    for _ in range(2000):
        prefix = rng.choice(["", "SELECT * ", "PREFIX a: <http://a/> ASK ", "SELECT * FROM "])
        text = prefix + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))
        try:
            result = check_query(text, allowed_graphs=frozenset({"http://a/"}))
        except QueryRejected as error:
            assert error.status in (400, 403, 413) and error.message
            assert (error.line is None) == (error.column is None)
        else:
            assert result.form in {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}
    assert time.perf_counter() - started < 10
