"""Tests for issgraph.netguard: an isolated process reaches no network and loads no graph by IRI.

The guard is irreversible, so every test applies it in a forked child, never in pytest itself.
"""

import ctypes
import errno
import multiprocessing
import os
import socket
import sys
import threading
import traceback
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset

from issgraph import netguard
from issgraph.netguard import forbid_file_urls, isolate_process

from .conftest import Listener

CHILD_TIMEOUT = 60


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def in_child(function, *args):
    """Run ``function(*args)`` in a forked child and return its result; re-raise its failure."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_and_send, args=(sender, function, args))
    child.start()
    sender.close()
    try:
        if not receiver.poll(CHILD_TIMEOUT):
            child.kill()
            pytest.fail(f"child running {function.__name__} timed out")
        failed, value = receiver.recv()
    finally:
        child.join(CHILD_TIMEOUT)
    if failed:
        pytest.fail(f"child running {function.__name__} failed:\n{value}")
    return value


def _run_and_send(sender, function, args) -> None:
    try:
        sender.send((False, function(*args)))
    except BaseException:
        sender.send((True, traceback.format_exc()))


def outcome(attempt, port: int) -> str:
    """Run ``attempt(port)``; describe what it returned or raised."""
    try:
        return f"returned {attempt(port)!r}"
    except Exception as error:
        return f"raised {type(error).__name__}: {error}"


def guarded(attempt, port: int) -> str:
    """In an executor-like process: isolate, forbid loading graphs, then try ``attempt``."""
    isolate_process()
    forbid_file_urls()
    return outcome(attempt, port)


def with_layer(layer, attempt, port: int) -> str:
    """Apply only the netguard ``layer`` (it must succeed), then try ``attempt``."""
    assert layer(), f"{layer.__name__} did not apply"
    return outcome(attempt, port)


# Ways a query, or a Python library, could reach the listener.


def python_socket(port: int) -> None:
    socket.create_connection(("127.0.0.1", port), timeout=5).close()


def pyoxigraph_service(port: int) -> None:
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    list(pyoxigraph.Store().query(query))


def urllib_urlopen(port: int) -> None:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)


def rdflib_from(port: int) -> list:
    return list(Dataset().query(f"SELECT * FROM <http://127.0.0.1:{port}/x> WHERE {{ ?s ?p ?o }}"))


def rdflib_service(port: int) -> list:
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    return list(Dataset().query(query))


PYTHON_ATTEMPTS = [python_socket, urllib_urlopen, rdflib_from, rdflib_service]
ALL_ATTEMPTS = [python_socket, pyoxigraph_service, urllib_urlopen, rdflib_from, rdflib_service]


def as_nobody(function):
    """Drop to uid/gid 65534, then return ``function()``."""
    os.setgid(65534)
    os.setuid(65534)
    return function()


def unshare(flags: int) -> bool:
    """Call unshare(2) with ``flags``; return whether it succeeded."""
    return ctypes.CDLL(None).unshare(flags) == 0


def unshare_works() -> bool:
    """Whether this machine lets a process enter a new network namespace (probed in a child)."""
    return in_child(unshare, netguard._CLONE_NEWNET)


@pytest.mark.parametrize("attempt", ALL_ATTEMPTS, ids=lambda a: a.__name__)
def test_control_unguarded_child_reaches_the_listener(listener, attempt):
    in_child(outcome, attempt, listener.port)
    assert listener.close() >= 1


@pytest.mark.parametrize("attempt", ALL_ATTEMPTS, ids=lambda a: a.__name__)
def test_isolated_child_reaches_nothing(listener, attempt):
    result = in_child(guarded, attempt, listener.port)
    if attempt is rdflib_from:
        assert result == "returned []"
    else:
        assert result.startswith("raised "), result
    assert listener.close() == 0


@pytest.mark.parametrize("attempt", [python_socket, pyoxigraph_service], ids=lambda a: a.__name__)
@pytest.mark.parametrize("layer", ["_enter_empty_netns", "_install_seccomp_filter"])
def test_each_os_layer_alone_stops_python_and_native_clients(listener, layer, attempt):
    if layer == "_enter_empty_netns" and not unshare_works():
        pytest.skip("unshare(CLONE_NEWNET) is not permitted here")
    result = in_child(with_layer, getattr(netguard, layer), attempt, listener.port)
    assert result.startswith("raised "), result
    assert listener.close() == 0


def test_seccomp_filter_refuses_network_sockets_and_connect_only(tmp_path):
    def probe() -> dict:
        assert netguard._install_seccomp_filter()
        results = {}
        for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET, socket.AF_UNIX):
            try:
                socket.socket(family, socket.SOCK_DGRAM).close()
                results[family.name] = "created"
            except OSError as error:
                results[family.name] = errno.errorcode[error.errno]
        unix = socket.socket(socket.AF_UNIX)
        results["connect AF_UNIX"] = errno.errorcode[unix.connect_ex(str(tmp_path / "absent"))]
        results["socketpair"] = len(socket.socketpair())
        results["read a file"] = len(Path(__file__).read_text()) > 0
        return results

    assert in_child(probe) == {
        "AF_INET": "EPERM",
        "AF_INET6": "EPERM",
        "AF_NETLINK": "EPERM",
        "AF_PACKET": "EPERM",
        "AF_UNIX": "created",
        "connect AF_UNIX": "EPERM",
        "socketpair": 2,
        "read a file": True,
    }


@pytest.mark.parametrize("attempt", PYTHON_ATTEMPTS, ids=lambda a: a.__name__)
def test_audit_hook_alone_stops_python_clients(listener, attempt):
    result = in_child(with_layer, netguard._install_audit_hook, attempt, listener.port)
    assert result.startswith("raised "), result
    assert listener.close() == 0


def test_audit_hook_alone_does_not_stop_native_code(listener):
    in_child(with_layer, netguard._install_audit_hook, pyoxigraph_service, listener.port)
    assert listener.close() >= 1


def test_existing_threads_are_covered(listener):
    def isolate_while_a_thread_waits(port: int) -> tuple[str, str]:
        go = threading.Event()
        results = []

        def wait_then_query() -> None:
            go.wait()
            results.append(outcome(pyoxigraph_service, port))

        thread = threading.Thread(target=wait_then_query)
        thread.start()
        layers = isolate_process()
        go.set()
        thread.join()
        return layers, results[0]

    layers, result = in_child(isolate_while_a_thread_waits, listener.port)
    assert layers == "seccomp+audit"  # unshare() would move only the calling thread
    assert result.startswith("raised "), result
    assert listener.close() == 0


def test_socketpair_to_parent_keeps_working():
    parent_end, child_end = socket.socketpair()

    def isolate_then_echo() -> str:
        layers = isolate_process()
        child_end.sendall(b"isolated")
        child_end.sendall(child_end.recv(64).upper())
        return layers

    context = multiprocessing.get_context("fork")
    child = context.Process(target=isolate_then_echo)
    child.start()
    parent_end.settimeout(CHILD_TIMEOUT)
    try:
        assert parent_end.recv(64) == b"isolated"
        parent_end.sendall(b"ping")
        assert parent_end.recv(64) == b"PING"
    finally:
        child.join(CHILD_TIMEOUT)
        parent_end.close()
        child_end.close()
    assert child.exitcode == 0


def test_reported_layers_on_this_machine():
    expected = "netns+seccomp+audit" if unshare_works() else "seccomp+audit"
    assert in_child(isolate_process) == expected


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to an unprivileged uid")
def test_unprivileged_process_gets_netns_through_a_user_namespace():
    user_and_net = netguard._CLONE_NEWUSER | netguard._CLONE_NEWNET
    if not in_child(as_nobody, lambda: unshare(user_and_net)):
        pytest.skip("this kernel forbids unprivileged user namespaces")
    assert not in_child(as_nobody, lambda: unshare(netguard._CLONE_NEWNET))  # needs CAP_SYS_ADMIN
    assert in_child(as_nobody, isolate_process) == "netns+seccomp+audit"


# Graphs named by file:// IRIs.

SECRET = "top-secret-line"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"{SECRET}\n")
    return path


@pytest.fixture
def turtle_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text("<urn:s> <urn:p> <urn:o> .\n")
    return path


def query_recording_opens(path: str, query: str) -> tuple[str, bool]:
    """Run ``query`` on an empty rdflib Dataset; return its outcome and whether ``path`` was opened."""
    opened = []
    sys.addaudithook(lambda event, args: event == "open" and str(args[0]) == path and opened.append(True))
    return outcome(lambda _: list(Dataset().query(query)), 0), bool(opened)


def forbidden_query(path: str, query: str) -> tuple[str, bool]:
    """``query_recording_opens`` after ``forbid_file_urls()``."""
    forbid_file_urls()
    return query_recording_opens(path, query)


GRAPH_QUERIES = [
    "SELECT * FROM <file://{path}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <file://{path}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("query", GRAPH_QUERIES, ids=["FROM", "FROM NAMED"])
@pytest.mark.parametrize("file", ["etc_hostname", "secret_file", "turtle_file"])
def test_forbid_file_urls_reads_no_file(request, file, query):
    path = "/etc/hostname" if file == "etc_hostname" else str(request.getfixturevalue(file))
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist")
    result, opened = in_child(forbidden_query, path, query.format(path=path))
    assert (result, opened) == ("returned []", False)


def test_forbid_file_urls_stops_update_load(turtle_file):
    def load() -> int:
        forbid_file_urls()
        dataset = Dataset()
        dataset.update(f"LOAD <file://{turtle_file}>")
        return len(dataset)

    assert in_child(load) == 0


def test_control_rdflib_reads_file_iris_by_default(turtle_file):
    query = f"SELECT ?o FROM <file://{turtle_file}> WHERE {{ ?s ?p ?o }}"
    result, opened = in_child(query_recording_opens, str(turtle_file), query)
    assert (result, opened) == ("returned [(rdflib.term.URIRef('urn:o'),)]", True)


def test_control_rdflib_leaks_a_non_rdf_file_through_chained_errors(secret_file):
    def chained_messages() -> str:
        try:
            Dataset().query(f"SELECT * FROM <file://{secret_file}> WHERE {{ ?s ?p ?o }}")
        except Exception as error:
            return "".join(traceback.format_exception(error))
        return "no error"

    messages = in_child(chained_messages)
    assert "Could not load" in messages
    assert SECRET in messages
