"""Where a request's time goes: issgraph's layers added one at a time on granian, beside Oxigraph.

Issue #16 asks, where a goal is missed, which part of the time is left and why no design within
the rules gets it. This measures it: the same requests against

  floor     a do-nothing RSGI app on granian (a fixed answer, no parsing): the least any Python
            app served by granian costs;
  front     issgraph's Front (limits per client, the WSGI environ) around a cache that always hits;
  entrance  + the Entrance (cache lookup and replay, the guard, inline lookups, the evaluators);
  observed  + Observed (Prometheus metrics and the JSON access-log line), as `issgraph serve`
            wires the app, but without the network isolation;
  serve     `issgraph serve` itself, default settings;
  Oxigraph  `oxigraph serve-read-only` on the same data;

for three requests: a cached example query (q14, the repeated row furthest below 1x), a one-row
label lookup never asked before, and `ASK {}` never asked before, at c = 1 and 16; plus the
engine's own time for the lookup in-process (pyoxigraph: parse, evaluate, serialise).
Requests/s and server CPU per request (all its processes; wrk's own CPU not included), medians
of interleaved rounds. The layers' granian settings are those of `issgraph serve` that bear on
speed (2 workers, RSGI, uvloop, HTTP/1.1); their limits and timeouts are not repeated here.

    .venv/bin/python bench/layers.py          # about 4 minutes; writes bench/LAYERS.md
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASE, BENCH, OUT, QUERIES, free_port, log, machine, median, versions  # noqa: E402

LAYERS = ("floor", "front", "entrance", "observed")
# The one-row lookup of the distinct workload (workloads.py's "lookup <X> label"), for any resource.
LOOKUP = 'SELECT ?l WHERE {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l) = "en") }}'
FIXED_BODY = b'{"head":{"vars":["l"]},"results":{"bindings":[{"l":{"type":"literal","value":"x"}}]}}'
FIXED_HEADERS = [("content-type", "application/sparql-results+json; charset=utf-8"),
                 ("x-request-id", "0123456789abcdef")]


# The layers' apps (granian imports this module in its workers) -------------------------------------

_PARENT: dict = {}


def _layer_app():
    """granian's factory: the layer named in ISSGRAPH_BENCH_LAYER, over the app built before the fork."""
    layer = os.environ["ISSGRAPH_BENCH_LAYER"]
    if layer == "floor":
        class Floor:
            async def __rsgi__(self, scope, proto):
                proto.response_bytes(200, FIXED_HEADERS, FIXED_BODY)
        return Floor()
    from issgraph.front import Front
    config = _PARENT["config"]
    if layer == "front":
        return Front(None, config, config.request_threads, cached=lambda environ, body: (200, FIXED_HEADERS, FIXED_BODY))
    app = _PARENT["app"]
    app.extensions["issgraph"].executor.prestart()
    observed = app.wsgi_app
    entrance = observed.app
    wsgi = entrance if layer == "entrance" else observed
    return Front(wsgi, config, config.request_threads, cached=wsgi.cached, answer_async=wsgi.answer_async)


def serve_layer(layer: str, port: int) -> int:
    """Run one layer on granian on 127.0.0.1:`port` (the command the bench starts for each layer)."""
    import gc

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops

    os.environ["ISSGRAPH_BENCH_LAYER"] = layer
    sys.modules.setdefault("layers", sys.modules[__name__])   # granian's "layers:…" is this module, state and all
    if layer in ("entrance", "observed"):
        from issgraph.app import create_app
        from issgraph.config import Config
        from issgraph.operations import configure_logging, flush_logs, prepare_multiprocess
        from issgraph.server import prepare

        configure_logging("info" if layer == "observed" else "warning")
        prepare_multiprocess()
        config = Config()
        _PARENT.update(config=config, app=create_app(config, prepare(config)))
        flush_logs()
        gc.freeze()
    elif layer == "front":
        from issgraph.config import Config
        _PARENT["config"] = Config()
    Granian("layers:_layer_app", address="127.0.0.1", port=port, interface=Interfaces.RSGI, workers=2,
            factory=True, log_level="warning", loop=Loops("uvloop"), http=HTTPModes.http1,
            websockets=False).serve()
    return 0


# The measurement -------------------------------------------------------------------------------------

def _requests():
    """(name, unique?, issgraph lines, Oxigraph lines) for the three requests."""
    from workloads import JSON, UNIQUE_TAIL, GraphFacts

    q14 = (QUERIES / "q14-atv-persian-name.rq").read_text(encoding="utf-8")
    lookups = [LOOKUP.format(iri=iri) + UNIQUE_TAIL for iri in GraphFacts().subjects]
    ask = "ASK {}" + UNIQUE_TAIL

    def lines(texts, path):
        return [(JSON, f"{path}?query={quote(t, safe='')}") for t in texts]
    return [("q14, cached", False, lines([q14], "/sparql"), lines([q14], "/query")),
            ("lookup <X> label, new", True, lines(lookups, "/sparql"), lines(lookups, "/query")),
            ("ASK {}, new", True, lines([ask], "/sparql"), lines([ask], "/query"))]


def engine_lookup_us(n: int = 20000) -> float:
    """pyoxigraph in this process: parse, evaluate and serialise a new one-row lookup, µs each."""
    import pyoxigraph

    from issgraph.config import Config
    from issgraph.server import prepare

    store = prepare(Config()).store
    text = LOOKUP.format(iri=BASE + "resource/Dragon") + " LIMIT "
    started = time.perf_counter()
    for i in range(n):
        store.query(text + str(1000 + i), use_default_graph_as_union=True).serialize(
            format=pyoxigraph.QueryResultsFormat.JSON)
    return (time.perf_counter() - started) / n * 1e6


def measure(rounds: int, seconds: int) -> dict:
    import loadgen
    from servers import Server, issgraph_server, oxigraph_server

    loadgen.ensure_wrk()
    ports = {layer: free_port() for layer in LAYERS}
    servers = [Server(layer, port, [sys.executable, __file__, "--serve", layer, str(port)], "/sparql",
                      OUT / "logs" / f"layer-{layer}.log") for layer, port in ports.items()]
    full = issgraph_server(free_port(), None)
    full.name = "serve"
    oxi = oxigraph_server(free_port())
    servers += [full, oxi]
    rows = []
    try:
        for s in servers:
            s.start()
        for name, unique, isg_lines, oxi_lines in _requests():
            for c in (1, 16):
                runs = {s.name: [] for s in servers}
                for s in servers:          # warm-up: caches filled, evaluators started
                    loadgen.wrk(s.base_url, oxi_lines if s is oxi else isg_lines, unique, c, 1)
                for _ in range(rounds):
                    for s in servers:
                        cpu = s.cpu_seconds()
                        run = loadgen.wrk(s.base_url, oxi_lines if s is oxi else isg_lines, unique, c, seconds)
                        used = (s.cpu_seconds() - cpu) * 1e6 / run.requests if run.requests else None
                        runs[s.name].append({"rps": run.rps, "cpu_us": used, "errors": run.error_count})
                row = {"request": name, "c": c}
                for s in servers:
                    row[s.name] = {k: median(r[k] for r in runs[s.name]) for k in ("rps", "cpu_us")}
                    row[s.name]["errors"] = sum(r["errors"] for r in runs[s.name])
                log(f"  {name:24s} c={c:<3d} " + "  ".join(f"{s.name} {row[s.name]['rps']:7.0f}/s" for s in servers))
                rows.append(row)
    finally:
        for s in servers:
            s.stop()
    return {"rows": rows, "names": [s.name for s in servers], "engine_lookup_us": engine_lookup_us(),
            "machine": machine(), "versions": versions(), "rounds": rounds, "seconds": seconds,
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def report(result: dict) -> str:
    names = result["names"]
    out = ["# Where a request's time goes", "",
           f"Written by `bench/layers.py` on {result['when']} ({result['rounds']} interleaved rounds of "
           f"{result['seconds']} s per cell, medians; CPU = the server's processes, wrk's own not included). "
           "What each layer is: the docstring of bench/layers.py.", "",
           f"- CPU: {result['machine'].get('cpu', '?')}; granian {result['versions'].get('granian', '?')}, "
           f"pyoxigraph {result['versions'].get('pyoxigraph', '?')}, oxigraph server "
           f"{result['versions'].get('oxigraph server', '?')}",
           f"- pyoxigraph alone, in-process, a new one-row lookup parsed, evaluated and serialised: "
           f"**{result['engine_lookup_us']:.0f} µs**", "",
           "| request | c | " + " | ".join(f"{n} req/s" for n in names) + " |",
           "|---|--:|" + "--:|" * len(names)]
    for row in result["rows"]:
        out.append(f"| {row['request']} | {row['c']} | " + " | ".join(f"{row[n]['rps']:,.0f}" for n in names) + " |")
    out += ["", "Server CPU µs per request:", "",
            "| request | c | " + " | ".join(names) + " |", "|---|--:|" + "--:|" * len(names)]
    for row in result["rows"]:
        out.append(f"| {row['request']} | {row['c']} | "
                   + " | ".join("-" if row[n]["cpu_us"] is None else f"{row[n]['cpu_us']:.0f}" for n in names) + " |")
    errors = {n: sum(r[n]["errors"] for r in result["rows"]) for n in names}
    if any(errors.values()):
        out += ["", "Errors (non-2xx or socket errors): " + ", ".join(f"{n} {e}" for n, e in errors.items() if e)]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", nargs=2, metavar=("LAYER", "PORT"), help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=2)
    args = p.parse_args(argv)
    if args.serve:
        return serve_layer(args.serve[0], int(args.serve[1]))
    OUT.mkdir(parents=True, exist_ok=True)
    result = measure(args.rounds, args.seconds)
    (OUT / "layers.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    (BENCH / "LAYERS.md").write_text(report(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
