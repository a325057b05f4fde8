"""Where one uncached issgraph query spends its time, without HTTP: a diagnostic, not part of `make bench`.

Builds issgraph's WSGI app in this process (as `issgraph serve` does, minus gunicorn) and answers
distinct variants of one example query shape (`python bench/profile_app.py q05`), timing layer by layer:

  wsgi      the whole app: FastPath, Flask, protocol parsing, guard, negotiation, QueryService,
            the round trip to the evaluator process (pickle, socket) and the evaluation there
  engine    issgraph's OxigraphEngine.run in this process (evaluation + issgraph's JSON writer)
  pyoxigraph  Store.query + pyoxigraph's own JSON serializer on the same store

then prints cProfile's top functions for the wsgi layer (the evaluator's time shows up as waiting
in Executor.run). The difference between `wsgi` and `engine` is issgraph's per-request overhead
in Python; what gunicorn adds on top shows in RESULTS.md's CPU µs/req column.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import JSON, UNIQUE_TAIL, GraphFacts, example_queries, query_variants  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape", nargs="?", default="q05", help="an example query name (prefix), default q05")
    parser.add_argument("-n", type=int, default=2000, help="requests per layer (default 2000)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    import pyoxigraph as ox
    from issgraph.app import create_app, services
    from issgraph.config import from_env
    from issgraph.engine import QueryJob
    from issgraph.formats import BY_NAME

    name = next(n for n in example_queries() if n.startswith(args.shape))
    texts = query_variants(example_queries()[name], GraphFacts(), 200, random.Random(7))
    queries = [texts[i % len(texts)] + UNIQUE_TAIL + str(10_000 + i) for i in range(args.n)]

    app = create_app(from_env())
    svc = services(app)
    environ_base = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "SERVER_NAME": "127.0.0.1",
                    "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000", "HTTP_ACCEPT": JSON,
                    "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
                    "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}

    def wsgi(text: str) -> None:
        env = dict(environ_base, QUERY_STRING="query=" + quote(text, safe=""))
        status = []
        body = b"".join(app.wsgi_app(env, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{status[0]}: {body[:300]!r}")

    engine = svc.executor._factory()
    fmt = BY_NAME["json"]
    store = svc.dataset.store
    layers = {
        "wsgi": wsgi,
        "engine": lambda t: engine.run(QueryJob(t, "SELECT"), fmt),
        "pyoxigraph": lambda t: store.query(t).serialize(format=ox.QueryResultsFormat.JSON),
    }
    print(f"{name}: {len(texts)} variants, {args.n} distinct requests per layer")
    for label, fn in layers.items():
        batch = queries
        fn(batch[0] + "0")                       # warm: the evaluator process starts on first use
        times = []
        for i, q in enumerate(batch):
            q = q + str(len(label))               # never the text of another layer's request
            t0 = time.perf_counter()
            fn(q)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(f"  {label:10s} p50 {statistics.median(times) * 1e6:7.0f} µs   mean "
              f"{statistics.fmean(times) * 1e6:7.0f} µs   p99 {times[int(len(times) * 0.99)] * 1e6:7.0f} µs")

    prof = cProfile.Profile()
    prof.enable()
    for q in queries:
        wsgi(q + "7")
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("tottime")
    stats.print_stats(args.top)
    print(out.getvalue())
    svc.executor.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
