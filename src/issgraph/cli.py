"""The command line: issgraph validate | query | dump | load | serve."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .config import Config, from_env
from .dataset import LoadError, load

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _config(args, **extra) -> Config:
    return from_env(data_path=getattr(args, "data", None), shapes_path=getattr(args, "shapes", None),
                    ontology_path=getattr(args, "ontology", None), store=getattr(args, "store", None), **extra)


def _load(config: Config):
    try:
        return load(config)
    except LoadError as err:
        print(f"error: cannot read the graph: {err}", file=sys.stderr)
        raise SystemExit(EXIT_UNREADABLE) from None


def cmd_validate(args) -> int:
    from .validation import report_graph, validate

    dataset = _load(_config(args))
    if args.format == "turtle":
        sys.stdout.write(report_graph(dataset).serialize(format="turtle"))
        return EXIT_OK if validate(dataset).conforms else EXIT_INVALID
    report = validate(dataset)
    if args.format == "json":
        print(report.to_json())
    elif not (args.quiet and report.conforms):
        out = sys.stdout if report.conforms else sys.stderr
        print(report.to_text(), file=out)
        if report.conforms:
            data, ontology, shapes, inferred = dataset.counts
            print(f"{data} data triples, {ontology} ontology triples, {shapes} shape triples, "
                  f"{inferred} inferred triples.", file=out)
    return EXIT_OK if report.conforms else EXIT_INVALID


def _render_table(body: bytes) -> str:
    doc = json.loads(body)
    if "boolean" in doc:
        return "yes" if doc["boolean"] else "no"
    names = doc["head"]["vars"]
    rows = [[_cell(b.get(n)) for n in names] for b in doc["results"]["bindings"]]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(names), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cell(term: dict | None) -> str:
    if term is None:
        return ""
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if "xml:lang" in term:
        return f"{term['value']}@{term['xml:lang']}"
    dt = term.get("datatype", "")
    return term["value"] + (f" ({dt.rsplit('#', 1)[-1]})" if dt and not dt.endswith("#string") else "")


def cmd_query(args) -> int:
    from .app import Services
    from .protocol import ProtocolQuery

    text = args.query
    if text != "-" and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    elif text == "-":
        text = sys.stdin.read()
    config = _config(args, engine=args.engine)
    svc = Services(config, _load(config))
    fmt = {"table": "json"}.get(args.format, args.format)
    try:
        reply = svc.queries.answer(ProtocolQuery(query=text, params=(("format", fmt),)), None)
    finally:
        svc.executor.close()
    if reply.status != 200:
        print(f"error ({reply.status}): {reply.error}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "table" and reply.content_type.startswith("application/sparql-results+json"):
        print(_render_table(reply.body))
    else:
        sys.stdout.buffer.write(reply.body)
    return EXIT_OK


def cmd_dump(args) -> int:
    from .app import prefixes_for
    from .dumps import dump_bytes
    from .formats import BY_NAME

    fmt = BY_NAME.get(args.format)
    if fmt is None or fmt.kind not in ("graph", "dataset"):
        print(f"error: unknown dump format {args.format!r}", file=sys.stderr)
        return EXIT_INVALID
    config = _config(args)
    body = dump_bytes(_load(config), fmt, args.gzip, prefixes_for(config))
    if args.output in (None, "-"):
        sys.stdout.buffer.write(body)
    else:
        Path(args.output).write_bytes(body)
    return EXIT_OK


def cmd_load(args) -> int:
    from .dataset import Sources
    from .server import default_cache_dir
    from .stores import StoreError, finish_directory_store, is_url, new_directory_store, write_into
    from .validation import known_valid, validate_cached

    config = _config(args, base_iri=args.base_iri)
    cache_dir = config.cache_dir or default_cache_dir()
    try:
        sources = Sources(config)
        if not is_url(args.into) and (not config.validate_on_start or known_valid(sources.hash, cache_dir)):
            # Nothing to validate: parse straight into the on-disk store, with no copy in memory.
            store = new_directory_store(args.into)
            print(finish_directory_store(store, load(config, sources, into=store), args.into))
            return EXIT_OK
        dataset = load(config, sources)
    except LoadError as err:
        print(f"error: cannot read the graph: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    report = validate_cached(dataset, cache_dir) if config.validate_on_start else None
    if report is not None and not report.conforms:
        print(report.to_text(), file=sys.stderr)
        print("error: the graph does not conform to its shapes; not loading it.", file=sys.stderr)
        return EXIT_INVALID
    try:
        print(write_into(dataset, args.into))
    except (StoreError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK


def cmd_serve(args) -> int:
    from .server import serve

    config = _config(args, engine=args.engine, query_timeout=args.timeout, base_iri=args.base_iri)
    return serve(config, host=args.host, port=args.port, workers=args.workers,
                 worker_class=args.worker_class, threads=args.threads, server=args.server)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="issgraph", description="The International Space Station knowledge graph.")
    parser.add_argument("--version", action="version", version=f"issgraph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def files(p, store=True):
        p.add_argument("--data", type=Path, help="instance data (Turtle); default data/iss.ttl")
        p.add_argument("--shapes", type=Path, help="SHACL shapes (Turtle); default shapes/iss.ttl")
        p.add_argument("--ontology", type=Path, help="ontology (Turtle); default ontology/iss.ttl")
        if store:
            p.add_argument("--store", default=None, metavar="DIR|sparql+http(s)://HOST/PATH",
                           help="read the graphs from a store written by 'issgraph load --into' instead of "
                                "the files: a directory (on-disk Oxigraph store) or a SPARQL 1.1 query "
                                "endpoint, which then answers every query")

    p = sub.add_parser("validate", help="check the graph against its SHACL shapes (exit 0 conforms, 1 not, 2 unreadable)")
    files(p)
    p.add_argument("--format", choices=("text", "turtle", "json"), default="text")
    p.add_argument("--quiet", action="store_true", help="print nothing when the graph conforms")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help="run a SPARQL query (a file or the text itself) against the graph")
    files(p)
    p.add_argument("query", help="a .rq file, the query text, or - for standard input")
    p.add_argument("--format", default="table",
                   choices=("table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml"))
    p.add_argument("--engine", choices=("oxigraph", "rdflib"))
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("dump", help="write the whole dataset in one format, byte for byte as /dumps/ serves it")
    files(p)
    p.add_argument("--format", default="turtle", help="turtle, ntriples, jsonld, rdfxml, nquads or trig")
    p.add_argument("--gzip", action="store_true")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_dump)

    p = sub.add_parser("load", help="validate the files, then put the graphs into a store: a directory "
                                    "(on-disk Oxigraph store) or a Graph Store Protocol URL")
    files(p, store=False)
    p.add_argument("--into", required=True, metavar="DIR|URL",
                   help="a directory, or a Graph Store Protocol endpoint such as http://127.0.0.1:7878/store "
                        "(each graph is replaced with PUT ?graph=IRI)")
    p.add_argument("--base-iri", default=None, help="the IRI base of the resources (default: the canonical one)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("serve", help="validate, then serve the graph over HTTP with gunicorn")
    files(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None, help="gunicorn worker processes (default: one per core)")
    p.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"),
                   help="gunicorn worker class (default gthread: keep-alive, one evaluator per thread)")
    p.add_argument("--threads", type=int, default=4, help="request threads per worker (gthread; default 4)")
    p.add_argument("--server", default="gunicorn", choices=("gunicorn", "granian"),
                   help="the HTTP server: gunicorn (default) or granian (Rust; install issgraph[granian])")
    p.add_argument("--timeout", type=float, default=None, help="seconds a query may run (default 10)")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"))
    p.add_argument("--base-iri", default=None, help="the IRI base of the served resources")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:   # bad configuration values
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    raise SystemExit(main())
