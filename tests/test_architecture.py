"""The house stays one-way: every module has a layer, imports point down, none hides in a function.

The layers are those of ARCHITECTURE.md (read top to bottom). A module may import from its own
layer or any below; the blueprints may not import one another; no import circle at all, counting
imports inside functions; and only the edge (cli, server) may import inside a function — there
it keeps a sub-command from loading what it does not use.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "issgraph"

LAYERS = [   # top first
    ("edge", {"__main__", "cli", "server", "front"}),
    ("factory", {"app"}),
    ("blueprints", {"endpoint", "linked", "pages", "published"}),
    ("web", {"web"}),
    ("services", {"services", "sparql", "querypage", "pictures", "home", "discovery", "search", "views",
                  "documents", "dumps", "void", "dcat", "figures", "describe", "changes", "releases",
                  "service_description", "validation", "operations", "fastpath", "examples", "messages",
                  "completion", "resultviews", "statements", "snippets"}),
    ("engines", {"engine", "executor"}),
    ("writers", {"results", "guard", "lookups", "hints", "protocol", "jsonld"}),
    ("stores", {"stores"}),
    ("dataset", {"dataset", "inference", "loading"}),
    ("leaves", {"__init__", "config", "namespaces", "formats", "i18n", "text", "cache", "links", "memory", "allocators", "netguard",
                "skolem"}),
]
RANK = {name: len(LAYERS) - i for i, (_, names) in enumerate(LAYERS) for name in names}
LAYER = {name: layer for layer, names in LAYERS for name in names}
SIDEWAYS_FORBIDDEN = {"blueprints"}
LAZY_ALLOWED = {"cli", "server"}


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for each import of a sibling module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner.update(id(n) for n in ast.walk(node) if n is not node)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            out += [(name, node.lineno, id(node) in inner) for name in names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("issgraph"):
            name = node.module.split(".")[1] if "." in node.module else node.names[0].name
            out.append((name, node.lineno, id(node) in inner))
    return out


def _graph() -> dict[str, list[tuple[str, int, bool]]]:
    return {p.stem: _imports(p) for p in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_layer():
    assert sorted(set(_graph()) - set(RANK)) == []


def test_imports_point_down_never_up_and_blueprints_never_import_each_other():
    wrong = []
    for module, imports in _graph().items():
        for target, line, _ in imports:
            if target == "__version__":
                target = "__init__"
            if RANK[target] > RANK[module]:
                wrong.append(f"{module}.py:{line} imports {target} ({LAYER[module]} -> {LAYER[target]}: up)")
            elif target != module and LAYER[target] == LAYER[module] in SIDEWAYS_FORBIDDEN:
                wrong.append(f"{module}.py:{line} imports {target} (sideways between {LAYER[module]})")
    assert wrong == []


def test_no_import_circle_even_through_imports_inside_functions():
    graph = {m: {t for t, _, _ in imps if t in RANK and t != m} for m, imps in _graph().items()}
    circles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                circles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_only_the_edge_imports_inside_functions():
    lazy = [f"{module}.py:{line} imports {target}" for module, imports in _graph().items()
            if module not in LAZY_ALLOWED for target, line, inside in imports if inside]
    assert lazy == []


def test_the_query_command_does_not_import_flask(tmp_path):
    probe = ("import sys, runpy\n"
             "sys.argv = ['issgraph', 'query', 'ASK { ?s ?p ?o }']\n"
             "try:\n"
             "    runpy.run_module('issgraph', run_name='__main__')\n"
             "except SystemExit as done:\n"
             "    code = done.code\n"
             "print('FLASK' if 'flask' in sys.modules else 'NO-FLASK', code, file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    last = out.stderr.strip().splitlines()[-1]
    assert last == "NO-FLASK 0", out.stderr[-2000:]
    assert out.stdout.strip() == "yes"     # the ASK's answer, in the command's table format
