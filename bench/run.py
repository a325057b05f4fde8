"""`make bench`: issgraph against Oxigraph's server on the same data, then the scale table.

    .venv/bin/python bench/run.py                 # everything (about 12 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick         # a smoke run (about 2 minutes; numbers are rough)
    .venv/bin/python bench/run.py --no-scale      # only the HTTP comparison
    .venv/bin/python bench/run.py --no-http       # only the scale table
    .venv/bin/python bench/run.py --sizes 10k,100k  # leave out the 1M graph

Writes bench/RESULTS.md, bench/out/results.json (everything measured, every round) and
bench/out/scale.json; updates the headline block of bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (BENCH, OUT, free_port, load_average, log, machine, median, source_fingerprint,  # noqa: E402
                    versions)


def idle_wait_s() -> float:
    """Seconds after the runs before memory is read again: issgraph's idle evaluators exit after
    `evaluator_idle_seconds` (its reaper looks every few seconds), as on a server falling quiet."""
    from issgraph.config import Config
    return Config().evaluator_idle_seconds + 10


def _levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Benchmark issgraph against Oxigraph's server, and the scale table.")
    p.add_argument("--duration", type=int, default=1, help="seconds per round per server for each request (default 1)")
    p.add_argument("--mix-duration", type=int, default=2, help="seconds per round per server for the mixes (default 2)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds per row (default 3)")
    p.add_argument("--concurrency", default="1,4,16,64", help="connection counts for the mixes (default 1,4,16,64)")
    p.add_argument("--per-request-concurrency", default="1,16",
                   help="connection counts for the per-request tables (default 1,16)")
    p.add_argument("--workers", type=int, default=None,
                   help="issgraph gunicorn workers (default: issgraph's own default, as `make serve`)")
    p.add_argument("--variants", type=int, default=200, help="variants generated per distinct query shape")
    p.add_argument("--sizes", default="10k,100k,1M", help="scale table sizes (default 10k,100k,1M)")
    p.add_argument("--rdflib-max", default="1M", help="largest graph rdflib loads (default 1M)")
    p.add_argument("--no-scale", action="store_true", help="skip the scale table")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP comparison")
    p.add_argument("--no-servers", dest="servers", action="store_false",
                   help="skip the comparison of HTTP servers for issgraph (gunicorn setups, granian)")
    p.add_argument("--only", default="", help="comma-separated substrings: per-request rows to run (for debugging)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 round, c=4, mixes 2 s, scale 10k,100k (rough numbers)")
    p.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.mix_duration = 1, 1, 2
        args.concurrency, args.per_request_concurrency = "1,16", "4"
        args.sizes, args.rdflib_max = "10k,100k", "100k"
        args.servers = False
    return args


DESCRIPTIONS = {
    "repeated": ("The same requests again and again: the example queries of `queries/` (issgraph `GET /sparql`, "
                 "Oxigraph `GET /query`, SPARQL JSON results), resource descriptions (issgraph `GET /resource/X` "
                 "as Turtle; Oxigraph the equivalent `DESCRIBE <X>` as Turtle — issgraph's document is larger: it "
                 "adds incoming links, labels of linked resources and provenance) and dumps (issgraph "
                 "`/dumps/issgraph.{ttl,nt,nq}`; Oxigraph `GET /store?default` as Turtle / N-Triples and `GET "
                 "/store` as N-Quads, which also holds the default graph). Both servers were warmed up first."),
    "distinct": ("Every request a query text never sent before: each example query shape with another resource "
                 "IRI (of the same rdf:type), its LANG() filters flipped or not, a FILTER against another label "
                 "of the graph, and a LIMIT unique to the request (appended by the wrk script; no two requests of "
                 "the whole benchmark share a text); `DESCRIBE <X>` over every resource and a dump-shaped "
                 "`CONSTRUCT` likewise, both through SPARQL on both servers."),
}


class Bench:
    def __init__(self, args, isg, oxi):
        import loadgen

        self.args, self.isg, self.oxi, self.loadgen = args, isg, oxi, loadgen

    def _pair(self, name: str, isg_lines, oxi_lines, unique: bool, concurrency: int, seconds: int) -> dict:
        row = {"name": name, "concurrency": concurrency, "issgraph": [], "oxigraph": []}
        for _ in range(self.args.rounds):
            for server, lines in ((self.isg, isg_lines), (self.oxi, oxi_lines)):
                cpu = server.cpu_seconds()
                run = self.loadgen.wrk(server.base_url, lines, unique, concurrency, seconds)
                stats = run.as_dict()
                stats["server_cpu_us_per_request"] = ((server.cpu_seconds() - cpu) * 1e6 / run.requests
                                                      if run.requests else None)
                row[server.name].append(stats)
        a = median(r["rps"] for r in row["issgraph"])
        b = median(r["rps"] for r in row["oxigraph"])
        log(f"  {name[:40]:40s} c={concurrency:<3d} issgraph {a:8.0f}/s  Oxigraph {b:8.0f}/s  "
            f"ratio {a / b if b else float('nan'):.2f}")
        return row

    def warm_up(self, items) -> None:
        isg_lines = [line for it in items for line in it.issgraph]
        oxi_lines = [line for it in items for line in it.oxigraph]
        unique = any(it.unique for it in items)
        for server, lines in ((self.isg, isg_lines), (self.oxi, oxi_lines)):
            run = self.loadgen.wrk(server.base_url, lines, unique, 16, 2)
            log(f"  warm-up {server.name}: {run.requests} requests, {run.error_count} errors")

    def workload(self, name: str, items) -> dict:
        args = self.args
        log(f"{name} workload: {len(items)} requests")
        self.warm_up(items)
        only = [s for s in args.only.split(",") if s]
        per_query = []
        for item in items:
            if only and not any(s in item.name for s in only):
                continue
            for c in _levels(args.per_request_concurrency):
                row = self._pair(item.name, item.issgraph, item.oxigraph, item.unique, c, args.duration)
                row["kind"], row["note"] = item.kind, item.note
                per_query.append(row)
        mix = []
        if not only:
            isg_lines = [line for it in items for line in it.issgraph[:1]] if name == "repeated" else \
                [line for it in items for line in it.issgraph]
            oxi_lines = [line for it in items for line in it.oxigraph[:1]] if name == "repeated" else \
                [line for it in items for line in it.oxigraph]
            for c in _levels(args.concurrency):
                mix.append(self._pair(f"mix of all {len(items)}", isg_lines, oxi_lines, name == "distinct", c,
                                      args.mix_duration))
        return {"description": DESCRIPTIONS[name], "per_query": per_query, "mix": mix}

    def floor(self) -> list[dict]:
        from urllib.parse import quote

        from workloads import JSON, UNIQUE_TAIL

        text = quote("ASK {}" + UNIQUE_TAIL, safe="")
        rows = []
        for c in sorted({1, *_levels(self.args.per_request_concurrency)}):
            rows.append(self._pair("ASK {} (unique LIMIT)", [(JSON, "/sparql?query=" + text)],
                                   [(JSON, "/query?query=" + text)], True, c, self.args.duration))
        return rows


def findings(results: dict) -> list[str]:
    """Facts read off the measurements: where issgraph's time goes, compared with Oxigraph."""
    from report import row_stats

    out = []
    w = results.get("workloads", {})
    levels = sorted({r["concurrency"] for r in w.get("repeated", {}).get("per_query", [])})
    if not levels:
        return out
    c = levels[-1]
    rep = {r["name"]: row_stats(r) for r in w.get("repeated", {}).get("per_query", []) if r["concurrency"] == c}
    dis = {r["name"]: row_stats(r) for r in w.get("distinct", {}).get("per_query", []) if r["concurrency"] == c}
    shapes = [n for n in rep if n in dis and rep[n]["isg"] and dis[n]["isg"] and rep[n]["oxi"] and dis[n]["oxi"]]
    if shapes:
        def med(table, side, key):
            return median(table[n][side].get(key) for n in shapes)

        out.append(
            f"- The example queries at c={c}, medians over the {len(shapes)} shapes: issgraph answers a repeated "
            f"query at {med(rep, 'isg', 'rps'):,.0f} req/s using {med(rep, 'isg', 'cpu_us'):,.0f} µs of CPU per "
            f"request (a kept answer), an unseen one at {med(dis, 'isg', 'rps'):,.0f} req/s and "
            f"{med(dis, 'isg', 'cpu_us'):,.0f} µs; Oxigraph, which keeps no answers, {med(rep, 'oxi', 'rps'):,.0f} "
            f"and {med(dis, 'oxi', 'rps'):,.0f} req/s at {med(rep, 'oxi', 'cpu_us'):,.0f} and "
            f"{med(dis, 'oxi', 'cpu_us'):,.0f} µs. On 2 cores throughput follows CPU per request, so the distinct "
            f"ratio is about the inverse of the CPU ratio.")
    floor = [(row["concurrency"], row_stats(row)) for row in results.get("floor", [])]
    floor = [(c_, st) for c_, st in floor if st["isg"] and st["oxi"]]
    if floor:
        parts = [f"c={c_}: issgraph p50 {st['isg']['p50_ms']:.2f} ms, {st['isg']['rps']:,.0f} req/s, "
                 f"{st['isg']['cpu_us']:,.0f} µs CPU per request; Oxigraph p50 {st['oxi']['p50_ms']:.2f} ms, "
                 f"{st['oxi']['rps']:,.0f} req/s, {st['oxi']['cpu_us']:,.0f} µs" for c_, st in floor]
        out.append("- `ASK {}` never seen before (" + "; ".join(parts) + "): the fixed cost of one uncached request "
                   "(HTTP, issgraph's front, protocol parsing, the guard, negotiation, the round trip to the evaluator "
                   "process) before any evaluation.")
    res = [s for n, s in rep.items() if n.startswith("resource") and s["isg"] and s["isg"].get("cpu_us")]
    queries = [s for n, s in rep.items() if s["isg"] and s["isg"].get("cpu_us") and
               (n.startswith("q") or n.startswith("timeline") or n.startswith("module"))]
    if res and queries:
        r_rps, q_rps = median(s["isg"]["rps"] for s in res), median(s["isg"]["rps"] for s in queries)
        r_cpu, q_cpu = median(s["isg"]["cpu_us"] for s in res), median(s["isg"]["cpu_us"] for s in queries)
        if r_cpu > 1.3 * q_cpu:
            out.append(f"- Resource documents (`/resource/X`, built once and kept by issgraph) cost {r_cpu:,.0f} µs "
                       f"CPU per request ({r_rps:,.0f} req/s) against {q_cpu:,.0f} µs ({q_rps:,.0f} req/s) for a "
                       f"repeated query; both are replayed from the answer cache, and a document is the larger answer "
                       f"(KB/resp in the tables).")
    conn = results.get("issgraph_connection_header")
    if conn and conn.lower() == "close":
        out.append("- issgraph answers with `Connection: close` (gunicorn's sync workers), then waits for the client "
                   "to close its side (gunicorn's `close_graceful`), so every request also pays a TCP connect and "
                   "accept and keeps a worker busy until the client's FIN; Oxigraph keeps connections alive.")
    mem = results.get("server_memory") or {}
    if "issgraph" in mem and "Oxigraph" in mem:
        busy = (results.get("server_memory_busy") or {}).get("issgraph")
        out.append(f"- Memory after the runs: issgraph {mem['issgraph']['pss']:.0f} MB PSS over "
                   f"{mem['issgraph']['processes']} processes once its idle evaluators exited"
                   + (f" ({busy['pss']:.0f} MB over {busy['processes']} right after the last run: each evaluator "
                      "that answered holds what its heap gained)" if busy else "")
                   + f", Oxigraph {mem['Oxigraph']['pss']:.0f} MB in 1 process.")
    return out


def _connection_header(url: str, name: str = "Connection") -> str | None:
    import requests

    try:
        return requests.get(url, headers={"Accept": "application/sparql-results+json"}, timeout=10).headers.get(
            name)
    except requests.RequestException:
        return None


def http_part(args, results: dict, save) -> None:
    import answers
    import loadgen
    from servers import issgraph_server, oxigraph_server
    from workloads import GraphFacts, distinct, repeated

    loadgen.ensure_wrk()
    isg = issgraph_server(free_port(), args.workers)
    oxi = oxigraph_server(free_port())
    try:
        oxi.start()
        isg.start()
        rep_items = repeated()
        dis_items = distinct(GraphFacts(), args.variants)
        notes = answers.check_all(rep_items, isg, oxi, "repeated")
        notes += answers.check_all(dis_items, isg, oxi, "distinct")
        results["notes"] = list(dict.fromkeys(notes))
        results["load_before"] = load_average()
        results["issgraph_source"] = source_fingerprint()
        results["issgraph_connection_header"] = _connection_header(isg.base_url + "/sparql?query=ASK%7B%7D")
        results["issgraph_server_header"] = _connection_header(isg.base_url + "/sparql?query=ASK%7B%7D", "Server")
        bench = Bench(args, isg, oxi)
        results["workloads"] = {}
        for name, items in (("repeated", rep_items), ("distinct", dis_items)):
            results["workloads"][name] = bench.workload(name, items)
            save()
        if not args.only:
            results["floor"] = bench.floor()
        if not args.only:
            import slow_clients

            log("with 200 slow connections open")
            results["slow_clients"] = [slow_clients.bench_row(server) for server in (isg, oxi)]
            for row in results["slow_clients"]:
                log(f"  {row['server']}: {row['rps_alone']:.0f}/s alone, {row['rps']:.0f}/s with "
                    f"{row['slow_connections']} slow connections (p99 {row['p99_ms']:.1f} ms)")
        results["load_after"] = load_average()
        results["workers_seen"] = len(isg.children())
        results["server_memory_busy"] = {"issgraph": isg.memory_mb(), "Oxigraph": oxi.memory_mb()}
        results["server_processes_busy"] = [dict(p, server="issgraph") for p in isg.processes()] + \
            [dict(p, server="Oxigraph") for p in oxi.processes()]
        save()
        idle = idle_wait_s()
        log(f"memory right after the runs: issgraph {results['server_memory_busy']['issgraph']['pss']:.0f} MB PSS; "
            f"waiting {idle:.0f} s for idle evaluators to retire")
        time.sleep(idle)
        results["idle_wait_s"] = idle
        results["server_memory"] = {"issgraph": isg.memory_mb(), "Oxigraph": oxi.memory_mb()}
        results["server_processes"] = [dict(p, server="issgraph") for p in isg.processes()] + \
            [dict(p, server="Oxigraph") for p in oxi.processes()]
        save()
    finally:
        isg.stop()
        oxi.stop()
    results["startup"] = startup_times()
    save()


def startup_times(runs: int = 3) -> dict:
    """Seconds from starting each server to its first answer (median of `runs`): issgraph as `make
    serve` starts it (validation answered from its cache after the first run), Oxigraph's server on
    a store already loaded."""
    from servers import issgraph_server, oxigraph_server

    out = {}
    for name, make in (("issgraph", lambda: issgraph_server(free_port(), None)),
                       ("Oxigraph", lambda: oxigraph_server(free_port()))):
        times = []
        for _ in range(runs):
            server = make()
            try:
                started = time.monotonic()
                server.start(poll=0.01)
                times.append(time.monotonic() - started)
            finally:
                server.stop()
        out[name] = median(times)
        log(f"start to first answer: {name} {out[name]:.2f} s")
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict = {
        "versions": versions(),
        "machine": machine(),
        "settings": {"duration": args.duration, "mix_duration": args.mix_duration, "rounds": args.rounds,
                     "concurrency": _levels(args.concurrency),
                     "per_request_concurrency": _levels(args.per_request_concurrency),
                     "workers": args.workers, "quick": args.quick},
    }
    default_results = args.results.resolve() == (BENCH / "RESULTS.md").resolve()
    stem = "results" if default_results else args.results.stem.lower()
    previous = OUT / f"{stem}.json"             # another --results file keeps its own JSON
    if args.no_http and previous.exists():      # keep the last HTTP numbers in RESULTS.md
        old = json.loads(previous.read_text())
        for key in ("workloads", "floor", "notes", "servers", "issgraph_connection_header", "issgraph_source", "load_before", "load_after", "server_memory",
                    "workers_seen", "settings", "slow_clients", "server_processes", "startup", "issgraph_server_header"):
            if key in old:
                results[key] = old[key]
    if args.no_scale and previous.exists():
        old = json.loads(previous.read_text())
        if "scale" in old:
            results["scale"] = old["scale"]

    def save() -> None:
        previous.write_text(json.dumps(results, indent=1, ensure_ascii=False))

    if not args.no_http:
        http_part(args, results, save)
    if args.servers:
        from http_servers import compare

        log("HTTP servers compared")
        results["servers"] = compare()
        save()
    if not args.no_scale:
        import synth
        from scale import run_scale

        log("scale table")
        results["scale"] = run_scale([synth.parse_size(s) for s in args.sizes.split(",")],
                                     synth.parse_size(args.rdflib_max))
        (OUT / ("scale.json" if default_results else f"{stem}-scale.json")).write_text(
            json.dumps(results["scale"], indent=1))
    save()
    from report import update_readme_headline, write_results

    if results.get("workloads"):
        results["findings"] = findings(results)
    workers = results["settings"].get("workers") or results.get("workers_seen")
    results["settings"]["workers_label"] = (f"{workers} (issgraph's default)" if not results["settings"].get("workers")
                                            else str(workers))
    write_results(results, args.results)
    if default_results:
        update_readme_headline(results)
    save()
    log(f"wrote {args.results.relative_to(Path.cwd()) if args.results.is_relative_to(Path.cwd()) else args.results} "
        f"and {previous} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
