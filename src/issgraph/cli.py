"""The command line: issgraph validate | query | dump | load | serve."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import __version__
from .config import CANONICAL_BASE, Config, from_env
from .dataset import LoadError
from .formats import BY_NAME, DATASET, GRAPH, RESULTS
from .stores import load

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
    from .validation import report_document, validate

    dataset = _load(_config(args))
    if args.format == "turtle":
        conforms, document = report_document(dataset, BY_NAME["turtle"])
        sys.stdout.write(document.decode("utf-8"))
        return EXIT_OK if conforms else EXIT_INVALID
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
    from .services import Services
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
    if args.format == "table" and reply.content_type.startswith(BY_NAME["json"].media_type):
        print(_render_table(reply.body))
    else:
        sys.stdout.buffer.write(reply.body)
    return EXIT_OK


def cmd_dump(args) -> int:
    from .services import prefixes_for
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
            print(finish_directory_store(store, load(config, sources, into=store, default_copy=True), args.into))
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
    user = args.user or os.environ.get("ISSGRAPH_STORE_USER")
    password = os.environ.get("ISSGRAPH_STORE_PASSWORD")
    if user and password is None:
        print("error: --user needs the password in the environment variable ISSGRAPH_STORE_PASSWORD",
              file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        print(write_into(dataset, args.into, param=args.gsp_param, auth=(user, password) if user else None))
    except (StoreError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK


def cmd_release(args) -> int:
    """Archive the current version (owl:versionInfo in the data) under releases/, or check them all."""
    from .releases import ALGORITHM, ReleaseError, archive, archived_versions, current_release, read_release

    config = _config(args)
    releases_dir = Path(args.releases) if args.releases else config.releases_path
    try:
        if args.check:
            versions = archived_versions(releases_dir)
            for version in versions:
                release = read_release(releases_dir / version)
                print(f"{version}  {release.hash}  {release.quad_count} quads  intact")
            if not versions:
                print(f"no releases archived in {releases_dir}")
            return EXIT_OK
        release = current_release(_load(config.replace(base_iri=CANONICAL_BASE)))
        folder, written = archive(release, releases_dir)
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INVALID
    if written and not args.releases:
        _update_citation(release)
    state = "archived in" if written else "already archived, unchanged, in"
    print(f"{release.version} ({ALGORITHM} SHA-256 {release.hash}, {release.quad_count} quads) {state} {folder}")
    return EXIT_OK


def _update_citation(release) -> None:
    """Keep CITATION.cff's version and date equal to the release just archived."""
    import re

    from .config import PROJECT_ROOT

    path = PROJECT_ROOT / "CITATION.cff"
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^version: .*$', f'version: "{release.version}"', text)
    if release.modified:
        text = re.sub(r'(?m)^date-released: .*$', f'date-released: "{release.modified}"', text)
    path.write_text(text, encoding="utf-8")
    print(f"CITATION.cff now cites version {release.version}")


def cmd_diff(args) -> int:
    """The changes between two versions, from their canonical graphs: Turtle (Changeset vocabulary) or text."""
    from .changes import Side, changeset_turtle, diff, open_side, summary
    from .releases import ReleaseError, current_release

    config = _config(args)
    releases_dir = Path(args.releases) if args.releases else config.releases_path

    def side(target: str) -> Side:
        if target == "current":
            release = current_release(_load(config.replace(base_iri=CANONICAL_BASE)))
            return Side(release.version, release.canonical)
        return open_side(target, releases_dir)

    try:
        d = diff(side(args.old), side(args.new))
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.format == "text":
        sys.stdout.write(summary(d))
    else:
        from urllib.parse import quote

        iri = f"{CANONICAL_BASE}changes/{quote(d.old.label, safe='')}/{quote(d.new.label, safe='')}"
        sys.stdout.buffer.write(changeset_turtle(d, iri, config.replace(base_iri=CANONICAL_BASE).dataset_iri))
    return EXIT_OK


def cmd_serve(args) -> int:
    from .server import serve

    config = _config(args, engine=args.engine, query_timeout=args.timeout, base_iri=args.base_iri,
                     public_url=args.public_url)
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
                   choices=("table", *(f.name for f in (*RESULTS, *GRAPH))))     # the formats table's
    p.add_argument("--engine", choices=("oxigraph", "rdflib"))
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("dump", help="write the whole dataset in one format, byte for byte as /dumps/ serves it")
    files(p)
    p.add_argument("--format", default="turtle", help=", ".join(f.name for f in (*GRAPH, *DATASET)))
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
    p.add_argument("--gsp-param", default=None, metavar="NAME",
                   help="the query parameter naming the graph at the Graph Store URL (default: graph, or "
                        "graph-uri for Virtuoso's /sparql-graph-crud-auth)")
    p.add_argument("--user", default=None,
                   help="user name for a Graph Store that asks for HTTP Basic or Digest authentication "
                        "(or ISSGRAPH_STORE_USER); the password is read from ISSGRAPH_STORE_PASSWORD only")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("release", help="archive the current version (the data's owl:versionInfo) under releases/: "
                                       "its canonical N-Quads (RDFC-1.0), gzip-compressed, and a manifest with its hash")
    files(p, store=False)
    p.add_argument("--releases", default=None, help="the releases folder (default: releases/ of the checkout)")
    p.add_argument("--check", action="store_true", help="check that every archived release is intact; write nothing")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("diff", help="what changed between two versions, computed from their canonical graphs")
    files(p, store=False)
    p.add_argument("old", help="a release folder, an archived version (0.1.0), an RDF file, or 'current'")
    p.add_argument("new", help="the same kinds as OLD")
    p.add_argument("--format", choices=("turtle", "text"), default="turtle",
                   help="turtle: a Changeset-vocabulary document (default); text: hashes, counts and +/- lines")
    p.add_argument("--releases", default=None, help="where archived versions are looked up (default: releases/)")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("serve", help="validate, then serve the graph over HTTP (granian, or gunicorn)")
    files(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None, help="gunicorn worker processes (default: one per core)")
    p.add_argument("--worker-class", default="gthread", choices=("sync", "gthread"),
                   help="gunicorn worker class (default gthread: keep-alive, one evaluator per thread)")
    p.add_argument("--threads", type=int, default=4, help="evaluator processes per worker, and gunicorn gthread request threads (default 4)")
    p.add_argument("--server", default="granian", choices=("granian", "gunicorn"),
                   help="the HTTP server: granian (default; holds slow and idle connections without a "
                        "thread each) or gunicorn (put a buffering proxy in front of it)")
    p.add_argument("--timeout", type=float, default=None, help="seconds a query may run (default 10)")
    p.add_argument("--engine", choices=("oxigraph", "rdflib"))
    p.add_argument("--base-iri", default=None, help="the IRI base of the served resources")
    p.add_argument("--public-url", default=None, metavar="URL",
                   help="this server's public URL (https://HOST/), the base of every absolute URL it sends; "
                        "default http://HOST:PORT/ it listens on")
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
