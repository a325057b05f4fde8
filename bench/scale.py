"""The scale table: load time, peak memory and query latency at 10k, 100k and 1M triples.

Each (engine, size) runs in a fresh Python process (so peak memory is its own), on a synthetic
graph from bench/synth.py plus ontology/iss.ttl. issgraph serves as its default graph data ∪
ontology ∪ inferred, and the example queries read the inferred graph (`?x a iss:Event` needs the
superclasses, the timeline `iss:firstDay`): so pyoxigraph and rdflib load that same graph, written
once by issgraph as one Turtle file (`served_graph`), and every engine answers the same rows
(the table says where they do not). Loading the inferred graph is in their time; computing it is not.

  pyoxigraph (memory)   Store() + bulk_load of that Turtle file
  pyoxigraph disk build Store(path) + bulk_load + optimize (done once)
  pyoxigraph disk reopen Store.read_only(path) in a new process: time to the first answer
  rdflib (memory)       Graph().parse of that Turtle file (only up to --rdflib-max triples)
  issgraph load()       what `issgraph serve` does before validating: issgraph.dataset.load(),
                        which parses into an in-memory store holding the three named graphs (the
                        default graph is their union, given per query); its queries go through
                        issgraph's OxigraphEngine (JSON written by issgraph)
  issgraph load --into DIR   issgraph.dataset.load() then issgraph.stores.write_into(DIR) (done once)
  issgraph --store DIR  load(Config(store=DIR)) in a new process plus a first ASK through its engine,
                        then the queries; also the first resource description read from the store

Every query's answer is written as SPARQL JSON (or consumed fully), and timed as the median
of up to 5 runs within a few seconds (the first run included in the count).

    python bench/scale.py --sizes 10k,100k --rdflib-max 100k
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ONTOLOGY, OUT, QUERIES, log  # noqa: E402

QUERY_SET = {
    "count": ("aggregate", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
    "q03": ("aggregate", (QUERIES / "q03-modules-by-builder.rq").read_text(encoding="utf-8")),
    "q05": ("aggregate", (QUERIES / "q05-module-shares.rq").read_text(encoding="utf-8")),
    "q15": ("aggregate", (QUERIES / "q15-disagreements.rq").read_text(encoding="utf-8")),
    "q14": ("lookup", (QUERIES / "q14-atv-persian-name.rq").read_text(encoding="utf-8")),
    "timeline": ("lookup", (QUERIES / "timeline.rq").read_text(encoding="utf-8")),
}
ENGINES = ("pyoxigraph (memory)", "pyoxigraph disk build", "pyoxigraph disk reopen", "issgraph load()",
           "issgraph load --into DIR", "issgraph --store DIR", "rdflib (memory)")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _time_query(run, budget_s: float = 3.0, max_runs: int = 5) -> dict:
    """`run()` gives the answer as SPARQL JSON bytes; its rows are counted after the timing."""
    times, body = [], b""
    start = time.perf_counter()
    while len(times) < max_runs and (not times or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        body = run()
        times.append(time.perf_counter() - t0)
    rows = len(json.loads(body).get("results", {}).get("bindings", []))
    return {"ms": statistics.median(times) * 1000, "first_ms": times[0] * 1000, "runs": len(times),
            "bytes": len(body), "rows": rows}


def served_graph(data: Path) -> Path:
    """The default graph issgraph serves for `data` (data ∪ ontology ∪ inferred) as one Turtle file
    beside it, made once per version of the ontology and the inference: what the pyoxigraph and
    rdflib rows load (pyoxigraph has no reasoner; one file keeps the blank nodes the graphs share)."""
    import hashlib

    import pyoxigraph as ox

    import synth

    src = Path(__file__).resolve().parent.parent / "src" / "issgraph"
    key = hashlib.sha256(ONTOLOGY.read_bytes() + (src / "inference.py").read_bytes()
                         + (src / "dataset.py").read_bytes()).hexdigest()[:10]
    path = data.with_name(f"{data.stem}-served-{key}.ttl")
    if not path.exists():
        from issgraph.config import Config
        from issgraph.dataset import load

        dataset = load(Config(data_path=data, validate_on_start=False))
        tmp = path.with_suffix(".tmp")
        ox.serialize(dataset.default_triples(), output=str(tmp), format=ox.RdfFormat.TURTLE, prefixes=synth.PREFIXES)
        tmp.replace(path)
    return path


def _worker(engine: str, data: Path, store_dir: Path | None, served: Path | None) -> dict:
    import pyoxigraph as ox

    ttl = ox.RdfFormat.TURTLE
    out: dict = {"engine": engine}
    t0 = time.perf_counter()
    if engine == "pyoxigraph (memory)" or engine == "pyoxigraph disk build":
        store = ox.Store(str(store_dir)) if engine.endswith("build") else ox.Store()
        store.bulk_load(path=str(served), format=ttl)
        if engine.endswith("build"):
            out["load_s"] = time.perf_counter() - t0
            store.optimize()            # what `oxigraph load` recommends before a read-heavy workload
            store.flush()
        out["ready_s"] = time.perf_counter() - t0
        out["triples"] = len(store)
        if engine.endswith("build"):
            del store
            out["disk_mb"] = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / (1 << 20)
            out["peak_rss_mb"] = peak_rss_mb()
            return out
    elif engine == "pyoxigraph disk reopen":
        store = ox.Store.read_only(str(store_dir))
        bool(store.query("ASK { ?s ?p ?o }"))
        out["ready_s"] = time.perf_counter() - t0
        out["triples"] = None          # len() would scan the whole store
    elif engine == "rdflib (memory)":
        from rdflib import Graph

        graph = Graph()
        graph.parse(str(served), format="turtle")
        out["ready_s"] = time.perf_counter() - t0
        out["triples"] = len(graph)
        queries = {name: (lambda q=q: graph.query(q).serialize(format="json"))
                   for name, (_, q) in QUERY_SET.items()}
    elif engine == "issgraph load()":
        from issgraph.config import Config
        from issgraph.dataset import load
        from issgraph.engine import QueryJob, make_engine
        from issgraph.formats import BY_NAME
        from issgraph.namespaces import prefixes_for

        config = Config(data_path=data, validate_on_start=False)
        dataset = load(config)
        t_parsed = time.perf_counter() - t0
        engine_ = make_engine(dataset, config, prefixes_for(config.base_iri))   # builds dataset.store
        out["ready_s"] = time.perf_counter() - t0
        out["parse_s"] = t_parsed
        out["triples"] = sum(dataset.counts[:2])
        out["store_quads"] = len(dataset.store)
        fmt = BY_NAME["json"]
        queries = {name: (lambda q=q: engine_.run(QueryJob(q, "SELECT"), fmt).body)
                   for name, (_, q) in QUERY_SET.items()}
    elif engine == "issgraph load --into DIR":
        from issgraph.config import Config
        from issgraph.dataset import load
        from issgraph.stores import write_into

        dataset = load(Config(data_path=data, validate_on_start=False))
        out["load_s"] = time.perf_counter() - t0          # parsed into the in-memory store
        write_into(dataset, str(store_dir))
        out["ready_s"] = time.perf_counter() - t0
        del dataset
        out["disk_mb"] = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / (1 << 20)
        out["peak_rss_mb"] = peak_rss_mb()
        return out
    elif engine == "issgraph --store DIR":
        from issgraph.config import Config
        from issgraph.stores import load      # opens the store the config names (dataset.load reads files)
        from issgraph.engine import QueryJob, make_engine
        from issgraph.formats import BY_NAME
        from issgraph.namespaces import prefixes_for

        config = Config(store=str(store_dir), validate_on_start=False)
        dataset = load(config)
        engine_ = make_engine(dataset, config, prefixes_for(config.base_iri))
        fmt = BY_NAME["json"]
        engine_.run(QueryJob("ASK { ?s ?p ?o }", "ASK"), fmt)
        out["ready_s"] = time.perf_counter() - t0
        out["triples"] = sum(dataset.counts[:2])
        queries = {name: (lambda q=q: engine_.run(QueryJob(q, "SELECT"), fmt).body)
                   for name, (_, q) in QUERY_SET.items()}
        t1 = time.perf_counter()
        from issgraph.describe import describe

        describe(dataset, config.base_iri + "resource/International_Space_Station")
        out["first_description_ms"] = (time.perf_counter() - t1) * 1000
    else:
        raise SystemExit(f"unknown engine {engine!r}")
    if engine.startswith("pyoxigraph"):
        json_fmt = ox.QueryResultsFormat.JSON
        queries = {name: (lambda q=q: store.query(q).serialize(format=json_fmt))
                   for name, (_, q) in QUERY_SET.items()}
    out["queries"] = {name: _time_query(run) for name, run in queries.items()}
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _spawn(engine: str, data: Path, store_dir: Path | None, timeout: float, served: Path) -> dict:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--data", str(data),
            "--served", str(served)]
    if store_dir is not None:
        argv += ["--store", str(store_dir)]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"did not finish within {timeout:.0f} s"}
    if done.returncode != 0:
        return {"engine": engine, "error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - t0
    return result


def run_scale(sizes: list[int], rdflib_max: int, timeout: float = 600.0) -> list[dict]:
    import synth

    rows: list[dict] = []
    for size in sizes:
        t0 = time.perf_counter()
        data = synth.cached(size)
        served = served_graph(data)
        log(f"scale {synth.label(size)}: synthetic graph {data.name} and the graph issgraph serves from it "
            f"({served.name}) ready in {time.perf_counter() - t0:.1f} s")
        store_root = Path(tempfile.mkdtemp(prefix="issgraph-bench-store-"))
        try:
            store_dir = store_root / "store"
            for engine in ENGINES:
                if engine == "rdflib (memory)" and size > rdflib_max:
                    rows.append({"engine": engine, "size": size,
                                 "skipped": f"rdflib not measured above {synth.label(rdflib_max)} triples "
                                            f"(--rdflib-max)"})
                    continue
                needs_store = engine.startswith("pyoxigraph disk") or "DIR" in engine
                target = (store_root / "issgraph-store") if "DIR" in engine else store_dir
                result = _spawn(engine, data, target if needs_store else None, timeout, served)
                result["size"] = size
                rows.append(result)
                summary = result.get("error") or (f"ready {result['ready_s']:.2f} s, "
                                                  f"peak {result['peak_rss_mb']:.0f} MB")
                log(f"scale {synth.label(size)}: {engine}: {summary}")
        finally:
            shutil.rmtree(store_root, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--served", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--rdflib-max", default="100k")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.data, args.store, args.served)))
        return 0
    import synth

    rows = run_scale([synth.parse_size(s) for s in args.sizes.split(",")], synth.parse_size(args.rdflib_max))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps(rows, indent=2))
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
