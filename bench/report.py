"""Turn the measurements into bench/RESULTS.md (and the headline block of bench/README.md)."""
from __future__ import annotations

import re
from pathlib import Path

from common import BENCH, geomean, median

# Issue #16's goals, each a ratio issgraph ÷ Oxigraph: throughput at least GOALS (geometric mean),
# p99 at most P99_GOALS; the repeated rows each at least 1x; the cheapest distinct rows at least 0.8x.
GOALS = {"repeated": 3.0, "distinct": 1.0}
P99_GOALS = {"repeated": 1.0, "distinct": 1.5}
ROW_FLOOR = {"repeated": 1.0}
CHEAP_GOAL = 0.8
P99_WITHIN = 2.0                      # "rows within 2x": a count for the reader, not a goal
HEADLINE_START, HEADLINE_END = "<!-- headline:start -->", "<!-- headline:end -->"


def _ms(v: float | None) -> str:
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _rps(v: float | None) -> str:
    return "–" if v is None else (f"{v:,.0f}" if v >= 10 else f"{v:.1f}")


def _us(v: float | None) -> str:
    return "–" if v is None else f"{v:,.0f}"


def _x(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}x"


def _kb(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v / 1024:.1f}" if v < 10 * 1024 else f"{v / 1024:.0f}"


def summarise(runs: list[dict]) -> dict:
    """Median over the rounds of one (server, item, concurrency)."""
    if not runs:
        return {}
    return {
        "rps": median(r["rps"] for r in runs),
        "p50_ms": median(r["p50_ms"] for r in runs),
        "p99_ms": median(r["p99_ms"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "errors": sum(sum(r["errors"].values()) for r in runs),
        "cpu_us": median(r.get("server_cpu_us_per_request") for r in runs),
        "bytes_per_request": (sum(r["bytes"] for r in runs) / max(1, sum(r["requests"] for r in runs))),
    }


def row_stats(row: dict) -> dict:
    a, b = summarise(row["issgraph"]), summarise(row["oxigraph"])
    ratio = a["rps"] / b["rps"] if a and b and b["rps"] else None
    p99 = a["p99_ms"] / b["p99_ms"] if a and b and b["p99_ms"] else None
    return {"isg": a, "oxi": b, "ratio": ratio, "p99_ratio": p99}


KINDS = {"query": "example queries", "resource": "resource descriptions", "dump": "dumps",
         "describe": "DESCRIBE", "construct": "CONSTRUCT all", "cheap": "cheapest lookups"}


def by_kind(rows: list[dict]) -> str:
    parts = []
    for kind, label in KINDS.items():
        ratios = [row_stats(r)["ratio"] for r in rows if r.get("kind") == kind]
        if ratios and any(ratios):
            parts.append(f"{label} {_x(geomean(ratios))}")
    return ", ".join(parts)


def workload_headline(rows: list[dict]) -> dict:
    stats = [row_stats(r) for r in rows]
    ratios = [s["ratio"] for s in stats if s["ratio"]]
    p99s = [s["p99_ratio"] for s in stats if s["p99_ratio"]]
    return {
        "ratio": geomean(ratios),
        "p99_ratio": geomean(p99s),
        "worst_p99_ratio": max(p99s) if p99s else None,
        "p99_within": sum(1 for p in p99s if p <= P99_WITHIN),
        "rows": len(stats),
        "min_ratio": min(ratios) if ratios else None,
        "max_ratio": max(ratios) if ratios else None,
    }


def _table(rows: list[dict], with_bytes: bool = True) -> list[str]:
    head = ("| request | c | issgraph req/s | p50 ms | p99 ms | Oxigraph req/s | p50 ms | p99 ms "
            "| ratio | p99 ratio | CPU µs/req (i / O) |" + (" KB/resp (i / O) |" if with_bytes else ""))
    sep = "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|" + ("--:|" if with_bytes else "")
    lines = [head, sep]
    for row in rows:
        s = row_stats(row)
        a, b = s["isg"], s["oxi"]
        flag = ""
        errs = (a.get("errors") or 0) + (b.get("errors") or 0)
        if errs:
            flag = f" ⚠ {a.get('errors', 0)}/{b.get('errors', 0)} errors"
        cells = [row["name"] + flag, str(row["concurrency"]), _rps(a.get("rps")), _ms(a.get("p50_ms")),
                 _ms(a.get("p99_ms")), _rps(b.get("rps")), _ms(b.get("p50_ms")), _ms(b.get("p99_ms")),
                 _x(s["ratio"]), _x(s["p99_ratio"]), f"{_us(a.get('cpu_us'))} / {_us(b.get('cpu_us'))}"]
        if with_bytes:
            cells.append(f"{_kb(a.get('bytes_per_request'))} / {_kb(b.get('bytes_per_request'))}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _verdict(ok: bool | None) -> str:
    return "meets" if ok else "misses"


def headline_text(results: dict) -> list[str]:
    out = []
    for workload in ("repeated", "distinct"):
        w = results.get("workloads", {}).get(workload)
        if not w:
            continue
        h = workload_headline(w["per_query"])
        goal, p99_goal = GOALS[workload], P99_GOALS[workload]
        extra = []
        if workload in ROW_FLOOR:
            below = [r["name"] + f" c={r['concurrency']}" for r in w["per_query"]
                     if (row_stats(r)["ratio"] or 0) < ROW_FLOOR[workload]]
            extra.append(f"{len(below)} of {h['rows']} rows below {ROW_FLOOR[workload]:.0f}x (goal: none: "
                         f"{_verdict(not below)})")
        cheap = [row_stats(r)["ratio"] for r in w["per_query"] if r.get("kind") == "cheap"]
        if cheap:
            g = geomean(cheap)
            extra.append(f"cheapest lookups {_x(g)} (goal ≥ {CHEAP_GOAL:.1f}x: {_verdict(g and g >= CHEAP_GOAL)})")
        out.append(f"- **{workload}**: issgraph/Oxigraph throughput **{_x(h['ratio'])}** (geometric mean of "
                   f"{h['rows']} rows; by kind: {by_kind(w['per_query'])}; range {_x(h['min_ratio'])}–"
                   f"{_x(h['max_ratio'])}; goal ≥ {goal:.1f}x: {_verdict(h['ratio'] and h['ratio'] >= goal)}"
                   + "".join("; " + e for e in extra) + f"); p99 ratio {_x(h['p99_ratio'])} (worst "
                   f"{_x(h['worst_p99_ratio'])}, {h['p99_within']}/{h['rows']} rows within {P99_WITHIN:.0f}x; goal "
                   f"≤ {p99_goal:.1f}x: {_verdict(h['p99_ratio'] and h['p99_ratio'] <= p99_goal)}).")
        mixes = [(r["concurrency"], row_stats(r)) for r in w.get("mix", [])]
        if mixes:
            out.append(f"  Mix of all its requests: " + ", ".join(
                f"c={c} {_x(st['ratio'])} (p99 {_x(st['p99_ratio'])})" for c, st in mixes) + ".")
    slow = results.get("slow_clients")
    if slow:
        out.append("- **with 200 slow connections open**: " + "; ".join(
            f"{r['server']} {_rps(r.get('rps'))} req/s, p99 {_ms(r.get('p99_ms'))} ms "
            f"(without them {_rps(r.get('rps_alone'))} req/s)" for r in slow) + ".")
    mem = results.get("server_memory") or {}
    if "issgraph" in mem:
        busy = (results.get("server_memory_busy") or {}).get("issgraph")
        when = (f" {results['idle_wait_s']:.0f} s after the runs, its idle evaluators retired"
                if results.get("idle_wait_s") else "")
        out.append(f"- **memory after the runs**: issgraph {mem['issgraph']['pss']:.0f} MB PSS in "
                   f"{mem['issgraph']['processes']} processes{when} (goal ≤ 150 MB: "
                   f"{_verdict(mem['issgraph']['pss'] <= 150)})"
                   + (f"; right after the last run {busy['pss']:.0f} MB in {busy['processes']} processes" if busy else "")
                   + f"; Oxigraph {mem.get('Oxigraph', {}).get('pss', 0):.0f} MB.")
    start = results.get("startup")
    if start:
        out.append("- **start to first answer**: " + ", ".join(
            f"{k} {v:.2f} s" for k, v in start.items()) + f" (goal ≤ 1 s: {_verdict(start.get('issgraph', 99) <= 1)}).")
    return out


def _processes_section(results: dict) -> list[str]:
    procs = results.get("server_processes") or []
    if not procs:
        return []
    busy = results.get("server_processes_busy") or []
    wait = results.get("idle_wait_s")
    L = ["## Memory by process", "",
         "Each process of each server: PSS (its share of pages shared with the others), RSS, and its role; "
         + (f"right after the last run, and again {wait:.0f} s later, when issgraph's evaluators idle for "
            "`evaluator_idle_seconds` have exited (one per worker stays, forked afresh)." if busy and wait
            else "after the runs."), ""]
    for title, rows in (([("right after the runs", busy), (f"{wait:.0f} s later", procs)]) if busy and wait
                        else [("after the runs", procs)]):
        L += [f"{title}:", "", "| server | role | pid | PSS MB | RSS MB |", "|---|---|--:|--:|--:|"]
        for p in rows:
            L.append(f"| {p['server']} | {p['role']} | {p['pid']} | {p['pss']:.1f} | {p['rss']:.1f} |")
        L.append("")
    return L


def _slow_section(results: dict) -> list[str]:
    rows = results.get("slow_clients") or []
    if not rows:
        return []
    L = ["## With slow connections open", "",
         "The same uncached `ASK` requests (a unique LIMIT each) with wrk at 16 connections from 127.0.0.1, "
         "first alone, then while 200 hostile connections from other loopback addresses (127.0.0.2 …) stay "
         "open: silent ones, ones that send a header line every few seconds, a body a byte at a time, and "
         "big answers never read (`bench/slow_clients.py`).", "",
         "| server | req/s alone | p99 ms alone | req/s with 200 slow | p99 ms with 200 slow | errors |",
         "|---|--:|--:|--:|--:|--:|"]
    for r in rows:
        L.append(f"| {r['server']} | {_rps(r.get('rps_alone'))} | {_ms(r.get('p99_ms_alone'))} | {_rps(r.get('rps'))} | "
                 f"{_ms(r.get('p99_ms'))} | {r.get('errors', 0)} |")
    return L + [""]


def _scale_section(scale: list[dict]) -> list[str]:
    import synth
    from scale import QUERY_SET

    names = list(QUERY_SET)
    lines = ["| triples | engine | ready s | peak RSS MB | " + " | ".join(f"{n} ms" for n in names) + " |",
             "|--:|---|--:|--:|" + "--:|" * len(names)]
    notes = []
    for r in scale:
        size = synth.label(r["size"])
        if "skipped" in r or "error" in r:
            lines.append(f"| {size} | {r['engine']} | " + " | ".join(["–"] * (2 + len(names))) + " |")
            notes.append(f"{size}, {r['engine']}: {r.get('skipped') or r.get('error')}")
            continue
        ready = f"{r['ready_s']:.2f}"
        if "parse_s" in r:
            ready += f" (parse {r['parse_s']:.2f})"
        if "load_s" in r:
            ready += f" (load {r['load_s']:.2f})"
        qs = r.get("queries", {})
        cells = [_ms(qs[n]["ms"]) if n in qs else "–" for n in names]
        extra = f" ({r['disk_mb']:.0f} MB on disk)" if "disk_mb" in r else ""
        lines.append(f"| {size} | {r['engine']}{extra} | {ready} | {r['peak_rss_mb']:.0f} | " + " | ".join(cells) + " |")
    # Every engine loads the graph issgraph serves: their answers should have the same rows.
    refs = {r["size"]: r["queries"] for r in scale if r["engine"] == "issgraph load()" and "queries" in r}
    for r in scale:
        ref = refs.get(r["size"])
        if ref is None or r["engine"] == "issgraph load()" or "queries" not in r:
            continue
        differ = [f"{n} {r['queries'][n].get('rows')} rows (issgraph load() {ref[n].get('rows')})"
                  for n in names if n in r["queries"] and n in ref and r["queries"][n].get("rows") != ref[n].get("rows")]
        if differ:
            notes.append(f"{synth.label(r['size'])}, {r['engine']}: answers differ: " + "; ".join(differ))
    # The goals at the largest size measured.
    goals = []
    largest = max((r["size"] for r in scale), default=None)
    at = {r["engine"]: r for r in scale if r["size"] == largest and "ready_s" in r}
    if largest and at:
        label = synth.label(largest)
        mem = at.get("pyoxigraph (memory)")
        isg = at.get("issgraph load()")
        reopen = at.get("pyoxigraph disk reopen")
        isg_disk = at.get("issgraph --store DIR")
        aggregates = [n for n, (kind, _) in QUERY_SET.items() if kind == "aggregate"]

        def agg_ratio(r):
            if not (r and mem):
                return None
            return geomean([r["queries"][n]["ms"] / mem["queries"][n]["ms"] for n in aggregates
                            if n in r.get("queries", {}) and n in mem.get("queries", {})])

        if mem:
            goals.append(f"- pyoxigraph in memory, ready from Turtle: {mem['ready_s']:.2f} s (goal < 10 s), "
                         f"peak {mem['peak_rss_mb']:.0f} MB (goal < 1024 MB).")
        if isg:
            goals.append(f"- issgraph's own load path (`issgraph.dataset.load` + its store; no SHACL validation): "
                         f"{isg['ready_s']:.2f} s (goal < 10 s), peak {isg['peak_rss_mb']:.0f} MB (goal < 1024 MB); "
                         f"aggregate queries {_x(agg_ratio(isg))} of pyoxigraph in memory (goal ≤ 1.2x).")
        if reopen:
            goals.append(f"- on-disk store reopened with `Store.read_only`: first answer after "
                         f"{reopen['ready_s'] * 1000:.0f} ms (goal < 1 s), peak {reopen['peak_rss_mb']:.0f} MB; "
                         f"aggregate queries {_x(agg_ratio(reopen))} of pyoxigraph in memory (goal ≤ 1.2x).")
        if isg_disk:
            goals.append(f"- issgraph over its on-disk store (`issgraph serve --store DIR`, written once by "
                         f"`issgraph load --into DIR`): first answer after {isg_disk['ready_s'] * 1000:.0f} ms "
                         f"(goal < 1 s), peak {isg_disk['peak_rss_mb']:.0f} MB; aggregate queries "
                         f"{_x(agg_ratio(isg_disk))} of pyoxigraph in memory (goal ≤ 1.2x); the first resource "
                         f"description read from the store in {isg_disk.get('first_description_ms', 0):.0f} ms.")
        if goals:
            goals.insert(0, f"At {label} triples:")
    out = lines + [""] + goals
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    return out


def write_results(results: dict, path: Path) -> None:
    v, m = results["versions"], results["machine"]
    s = results["settings"]
    L = ["# Benchmark results", "",
         f"Written by `make bench` (`bench/run.py`) on {m['date']}. How to run it and what each workload is: "
         "[bench/README.md](README.md).", "",
         "## Machine and versions", "",
         f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}; Linux {m['kernel']}",
         f"- load average before / after the HTTP runs: {results.get('load_before', '?')} / "
         f"{results.get('load_after', '?')} (the machine is shared: other processes may run beside the benchmark)",
         "- " + ", ".join(f"{k} {val}" for k, val in v.items()), "",
         "## Settings", "",
         f"- issgraph: `issgraph serve` ({results.get('issgraph_server_header') or 'granian'}, workers: "
         f"{s['workers_label']}; it answered with "
         f"`Connection: {results.get('issgraph_connection_header') or '?'}`; source fingerprint "
         f"{results.get('issgraph_source', '?')}, a hash of src/issgraph/); Oxigraph: "
         "`oxigraph serve-read-only` on a store loaded with `oxigraph load` from issgraph's own dumps (default "
         "graph = data ∪ ontology ∪ inferred, plus the four named graphs), both on 127.0.0.1, separate processes, "
         "nothing pinned.",
         f"- load generator: wrk, {s['rounds']} interleaved rounds per row (issgraph, Oxigraph, issgraph, …), "
         f"{s['duration']} s per round per server for each request, {s['mix_duration']} s for the mixes; "
         f"wrk threads = min(2, connections); c = connections.",
         "- each row: requests/s, p50 and p99 are the medians over the rounds; ratio = issgraph req/s ÷ "
         "Oxigraph req/s (> 1: issgraph is faster); p99 ratio = issgraph p99 ÷ Oxigraph p99 (< 1: issgraph is "
         "faster); CPU µs/req = CPU time (user + system) the server's processes used during the run, divided by "
         "the requests answered (wrk's own CPU not included); KB/resp = bytes received per response, headers "
         "included.",
         "- before the timed runs, each example query (and 3 variants of every distinct shape) was answered by "
         "both servers and the answers compared as multisets of rows (blank-node labels aside): they agree.",
         ""]
    if results.get("server_memory"):
        L += ["- memory of each server after the runs (all its processes; PSS splits the pages that forked "
              "processes share): " + ", ".join(f"{k} {m['pss']:.0f} MB PSS ({m['rss']:.0f} MB RSS summed over "
                                                f"{m['processes']} processes)"
                                                for k, m in results["server_memory"].items()), ""]
    L += ["## Headline", ""] + headline_text(results) + [""]
    for workload in ("repeated", "distinct"):
        w = results.get("workloads", {}).get(workload)
        if not w:
            continue
        L += [f"## {workload.capitalize()} workload", "", w["description"], ""]
        L += ["### Per request", ""] + _table(w["per_query"]) + [""]
        if w.get("mix"):
            L += ["### Mix of all its requests, by concurrency", "",
                  "wrk cycles through every request of the table above (each connection in turn).", ""]
            L += _table(w["mix"]) + [""]
    L += _slow_section(results) + _processes_section(results)
    if results.get("floor"):
        L += ["## Overhead floor", "",
              "The cheapest possible query, `ASK {}` with a unique LIMIT (so never cached): what one uncached "
              "request costs each server beyond evaluating anything.", ""]
        L += _table(results["floor"], with_bytes=False) + [""]
    if results.get("notes"):
        L += ["## Notes on the answers", ""] + [f"- {n}" for n in results["notes"]] + [""]
    if results.get("scale"):
        L += ["## Scale", "",
              "Synthetic graphs of the same shape as data/iss.ttl (`bench/synth.py`: copy 0 is the real data, "
              "copies 1…k are other stations with their own resources and labels), plus ontology/iss.ttl. Each "
              "row is a fresh process; ready = from nothing to able to answer (for the reopened store: "
              "`Store.read_only` plus a first `ASK`); peak RSS = the process's high-water mark (the Python "
              "interpreter and its imports included). Query times: median of up to 5 runs, the answer written as "
              "SPARQL JSON. count = `COUNT(*)` of all triples; q03/q05/q15 = the example aggregates (grouping over "
              "every copy); q14/timeline = the example lookups (copy 0).", ""]
        L += _scale_section(results["scale"]) + [""]
    if results.get("servers"):
        L += _servers_section(results["servers"]) + [""]
    if results.get("findings"):
        L += ["## Where issgraph loses time", ""] + results["findings"] + [""]
    path.write_text("\n".join(L), encoding="utf-8")


def _servers_section(rows: list[dict]) -> list[str]:
    """The HTTP-server comparison (bench/http_servers.py): the same app under each setup, beside Oxigraph."""
    timed = [r for r in rows if "workload" in r]
    c = timed[0]["concurrency"] if timed else "?"
    L = ["## HTTP servers compared", "",
         f"The same app (`issgraph serve` with the options named) under each HTTP server setup, against the same "
         f"Oxigraph server, at c = {c}: the mix of the repeated workload, the mix of the distinct workload, and "
         "the `ASK {}` floor (unique each time); 3 interleaved rounds of 2 s, medians. Written by "
         "`bench/http_servers.py`.", "",
         "| setup | workload | issgraph req/s | p99 ms | CPU µs/req | Oxigraph req/s | p99 ms | ratio | p99 ratio |",
         "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in timed:
        i, o = r["issgraph"], r["oxigraph"]
        L.append(f"| {r['setup']} | {r['workload']} | {_rps(i['rps'])} | {_ms(i['p99_ms'])} | {_us(i['cpu_us'])} | "
                 f"{_rps(o['rps'])} | {_ms(o['p99_ms'])} | {_x(r['ratio'])} | {_x(r['p99_ratio'])} |")
    memory = [r for r in rows if "memory" in r]
    if memory:
        L += ["", "Memory after the runs (PSS over all the server's processes): " + "; ".join(
            f"{r['setup']}: {r['memory']['pss']:.0f} MB in {r['memory']['processes']} processes" for r in memory) + "."]
    failed = [r for r in rows if "error" in r]
    L += [f"- {r['setup']}: did not start: {r['error']}" for r in failed]
    return L


def update_readme_headline(results: dict) -> None:
    """Rewrite the block between the headline markers in bench/README.md and, when the project's
    README.md carries the same markers, there too."""
    for readme in (BENCH / "README.md", BENCH.parent / "README.md"):
        _update(results, readme)


def _update(results: dict, readme: Path) -> None:
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    if HEADLINE_START not in text or HEADLINE_END not in text:
        return
    link = "RESULTS.md" if readme.parent == BENCH else "bench/RESULTS.md"
    block = "\n".join([HEADLINE_START, f"Last run ({results['machine']['date']}, {results['machine']['cpu']}, "
                       f"{results['machine']['cores']} cores; details in [{link}]({link})):", ""]
                      + headline_text(results) + [HEADLINE_END])
    text = re.sub(re.escape(HEADLINE_START) + ".*?" + re.escape(HEADLINE_END), lambda _: block, text, flags=re.S)
    readme.write_text(text, encoding="utf-8")
