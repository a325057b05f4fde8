"""Which HTTP server should carry issgraph: gunicorn's worker classes and counts, and granian, beside Oxigraph.

The issue asks to measure them on 2 cores; this runs the same app under each setup against the
same Oxigraph server, with the mixes of the repeated and the distinct workload and the `ASK {}`
floor, interleaved as in run.py. `issgraph serve` runs granian by default (since the hardening
issue: see bench/slow_clients.md); the table says what each alternative would change.

    .venv/bin/python bench/http_servers.py            # about 5 minutes; writes bench/out/servers.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, free_port, log, median  # noqa: E402

SETUPS = [
    ("gunicorn gthread, 2 workers × 4 threads", ["--server", "gunicorn"]),
    ("gunicorn gthread, 4 workers × 2 threads", ["--server", "gunicorn", "--workers", "4", "--threads", "2"]),
    ("gunicorn sync, 2 workers", ["--server", "gunicorn", "--worker-class", "sync", "--workers", "2"]),
    ("gunicorn sync, 4 workers", ["--server", "gunicorn", "--worker-class", "sync", "--workers", "4"]),
    ("granian + RSGI front, 2 workers × 4 evaluators (default)", ["--server", "granian"]),
]


def compare(rounds: int = 3, seconds: int = 2, concurrency: int = 16, variants: int = 200) -> list[dict]:
    import loadgen
    from servers import issgraph_server, oxigraph_server
    from workloads import JSON, UNIQUE_TAIL, GraphFacts, distinct, repeated

    loadgen.ensure_wrk()
    rep, dis = repeated(), distinct(GraphFacts(), variants)
    ask = quote("ASK {}" + UNIQUE_TAIL, safe="")
    loads = {
        "repeated mix": ([line for it in rep for line in it.issgraph[:1]],
                         [line for it in rep for line in it.oxigraph[:1]], False),
        "distinct mix": ([line for it in dis for line in it.issgraph], [line for it in dis for line in it.oxigraph], True),
        "ASK {} floor": ([(JSON, "/sparql?query=" + ask)], [(JSON, "/query?query=" + ask)], True),
    }
    oxi = oxigraph_server(free_port())
    rows = []
    try:
        oxi.start()
        for setup, extra in SETUPS:
            isg = issgraph_server(free_port(), None, extra=extra)
            try:
                isg.start()
            except BaseException as err:       # e.g. granian not installed: say so in the table
                log(f"{setup}: did not start ({err})")
                rows.append({"setup": setup, "error": str(err)[:200]})
                isg.stop()
                continue
            try:
                for workload, (isg_lines, oxi_lines, unique) in loads.items():
                    loadgen.wrk(isg.base_url, isg_lines, unique, concurrency, 1)      # warm-up
                    runs = {"issgraph": [], "oxigraph": []}
                    for _ in range(rounds):
                        for server, lines in ((isg, isg_lines), (oxi, oxi_lines)):
                            cpu = server.cpu_seconds()
                            run = loadgen.wrk(server.base_url, lines, unique, concurrency, seconds)
                            stats = run.as_dict()
                            stats["cpu_us"] = (server.cpu_seconds() - cpu) * 1e6 / run.requests if run.requests else None
                            runs[server.name].append(stats)
                    row = {"setup": setup, "workload": workload, "concurrency": concurrency, "runs": runs}
                    for side in ("issgraph", "oxigraph"):
                        row[side] = {k: median(r[k] for r in runs[side] if r[k] is not None)
                                     for k in ("rps", "p50_ms", "p99_ms", "cpu_us")}
                    row["ratio"] = row["issgraph"]["rps"] / row["oxigraph"]["rps"]
                    row["p99_ratio"] = row["issgraph"]["p99_ms"] / row["oxigraph"]["p99_ms"]
                    row["errors"] = sum(sum(r.get("errors", {}).values()) for r in runs["issgraph"])
                    log(f"  {setup[:48]:48s} {workload:14s} issgraph {row['issgraph']['rps']:8.0f}/s "
                        f"Oxigraph {row['oxigraph']['rps']:8.0f}/s ratio {row['ratio']:.2f}")
                    rows.append(row)
                rows.append({"setup": setup, "memory": isg.memory_mb()})
            finally:
                isg.stop()
    finally:
        oxi.stop()
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=16)
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = compare(args.rounds, args.seconds, args.concurrency)
    (OUT / "servers.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
