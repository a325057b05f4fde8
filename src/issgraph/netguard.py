"""Irreversibly cut a query-executor process off from the network, at the OS and Python level.

Query engines fetch IRIs named in a query (SERVICE, FROM, LOAD); an executor must never do that.
"""

import ctypes
import os
import platform
import socket
import struct
import sys
from typing import Callable, NamedTuple

import rdflib.plugins.sparql

_libc = ctypes.CDLL(None)

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000

_PR_SET_SECCOMP = 22
_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_MODE_FILTER = 2
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EPERM = 1

# Offsets into struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6];}. Both supported
# architectures are little-endian, so the low 32 bits of args[0] come first.
_NR_OFFSET = 0
_ARCH_OFFSET = 4
_ARG0_LOW_OFFSET = 16

# Classic BPF opcodes: BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_JMP|BPF_JGE|BPF_K, BPF_RET|BPF_K.
_LOAD = 0x20
_JEQ = 0x15
_JGE = 0x35
_RET = 0x06

_ALLOW = "allow"
_DENY = "deny"

# x32-ABI syscalls on x86_64 carry this bit in nr; no real syscall number elsewhere is this high.
_X32_SYSCALL_BIT = 0x40000000
# io_uring can create and connect sockets without the socket()/connect() syscalls.
# New syscalls share one number on every architecture.
_IO_URING_SETUP = 425


class _Arch(NamedTuple):
    """Seccomp facts for one architecture: its AUDIT_ARCH_* value and syscall numbers."""

    audit_arch: int
    socket: int
    connect: int
    seccomp: int


_ARCHES = {
    "x86_64": _Arch(audit_arch=0xC000003E, socket=41, connect=42, seccomp=317),
    "aarch64": _Arch(audit_arch=0xC00000B7, socket=198, connect=203, seccomp=277),
}

# Audit events of Python 3.11 that resolve a host name or open a connection.
_BLOCKED_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
        "urllib.Request",
        "http.client.connect",
    }
)
# Audit events that send a datagram, or TCP Fast Open data, to an explicit address.
_SEND_EVENTS = frozenset({"socket.sendto", "socket.sendmsg"})


class _SockFilter(ctypes.Structure):
    """struct sock_filter: one classic BPF instruction."""

    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    """struct sock_fprog: a BPF program as passed to seccomp."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def isolate_process() -> str:
    """Cut this process off from the network for good; return which mechanism is active.

    Applies, in this order, each layer that this kernel and process allow:

    - ``netns``: an empty network namespace (see ``_enter_empty_netns``);
    - ``seccomp``: a filter refusing non-AF_UNIX sockets, connect() and io_uring (see
      ``_install_seccomp_filter``);
    - ``audit``: a Python audit hook refusing name resolution, connections and URL requests.

    The first two act below Python, so they also stop native code such as pyoxigraph's
    SERVICE client; the hook covers pure-Python paths where they are unavailable. Descriptors
    opened before the call, such as a socketpair or pipe to the parent, keep working.

    Returns the names of the active layers joined by "+", e.g. "netns+seccomp+audit".
    """
    layers = [
        name
        for name, apply in (
            ("netns", _enter_empty_netns),
            ("seccomp", _install_seccomp_filter),
            ("audit", _install_audit_hook),
        )
        if apply()
    ]
    return "+".join(layers)


def isolation(store_url: str | None) -> Callable[[], str]:
    """How a process that serves clients is cut off: from everything, or from all but a remote store."""
    return isolate_process if store_url is None else (lambda: allow_only(store_url))


def allow_only(url: str) -> str:
    """Let this process reach one HTTP(S) origin (a remote store) and nothing else; return "audit".

    For a front end over a remote SPARQL store, which must connect to it: the kernel layers of
    ``isolate_process`` cannot tell one address from another, so this installs the Python audit
    hook only, allowing name resolution of the store's host, connections to the addresses it
    resolves to when this is called (a store that moves later needs a restart) on its port, and
    URL requests to that origin.
    No native code in such a process evaluates queries (the store does), so every path a
    client's input can take passes through the hook.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    origin = f"{parts.scheme}://{parts.netloc}/"
    addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}

    def hook(event: str, args: tuple) -> None:
        if event == "socket.getaddrinfo":
            if args[0] == host and args[1] in (port, str(port)):
                return
        elif event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple) and address[0] in addresses and address[1] == port:
                return
        elif event == "http.client.connect":
            if args[1] == host and args[2] == port:
                return
        elif event == "urllib.Request":
            if str(args[0]).startswith(origin):
                return
        elif event in _SEND_EVENTS:
            if args[0].family == socket.AF_UNIX:
                return
        if event in _BLOCKED_EVENTS or event in _SEND_EVENTS:
            raise PermissionError(f"network access is limited to {origin} in this process ({event})")

    sys.addaudithook(hook)
    return "audit(" + origin + ")"


def forbid_file_urls() -> None:
    """Make rdflib refuse to load any graph by IRI during SPARQL evaluation (no HTTP, no file://).

    By default (``SPARQL_LOAD_GRAPHS = True``), when rdflib evaluates a query on a Dataset
    or ConjunctiveGraph, each ``FROM <iri>`` or ``FROM NAMED <iri>`` naming a graph that is
    absent or empty in the dataset is fetched and parsed by ``QueryContext.load``, via
    ``Graph.parse``: http(s) IRIs through urllib, ``file://`` IRIs from the local disk,
    trying Turtle, RDF/XML, N3 and N-Triples in turn. Update ``LOAD <iri>`` takes the same
    path. A file that is not RDF raises "Could not load", with the parser's error, which
    quotes the file's first line, chained to it. On a plain Graph, FROM is ignored.

    With the flag False, ``load`` only copies a graph of that name already in the dataset
    (for FROM; FROM NAMED and LOAD do nothing), so an unknown IRI yields an empty graph.

    ``SPARQL_DEFAULT_GRAPH_UNION`` is unrelated: it only decides whether a query without FROM
    sees the union of all graphs (True, the default) or only the default graph. SERVICE is
    not governed by either flag; rdflib calls urllib for it, which the audit hook of
    ``isolate_process`` refuses.

    The flag is module-global, so this affects every rdflib query in the process.
    """
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def _enter_empty_netns() -> bool:
    """Move this process into a new network namespace holding only a downed loopback.

    unshare() moves only the calling thread, so this is done only in a single-threaded
    process. CLONE_NEWNET needs CAP_SYS_ADMIN; without it, CLONE_NEWUSER|CLONE_NEWNET
    creates a user namespace that grants it, where the kernel lets unprivileged users do so.
    No uid_map/gid_map is written: unmapped ids merely read as 65534 inside (os.getuid()),
    while file access keeps using the real ids. Return whether the move happened.
    """
    return _single_threaded() and any(
        _libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET)
    )


def _install_seccomp_filter() -> bool:
    """Install, for every thread, the filter of ``_filter_program``; return whether it is in force.

    Only for 64-bit x86_64 and aarch64 processes. Sets no_new_privs, then uses seccomp(2)
    with SECCOMP_FILTER_FLAG_TSYNC so that existing threads are covered too; if that fails,
    falls back to prctl(PR_SET_SECCOMP), which covers only the calling thread and its future
    children, and therefore only in a single-threaded process.
    """
    arch = _ARCHES.get(platform.machine()) if struct.calcsize("P") == 8 else None
    if arch is None:
        return False
    instructions = _filter_program(arch)
    program = _SockFprog(len(instructions), instructions)
    address = ctypes.addressof(program)
    if _call(_libc.prctl, _PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    if _call(_libc.syscall, arch.seccomp, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, address) == 0:
        return True
    return _single_threaded() and _call(_libc.prctl, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, address, 0, 0) == 0


def _filter_program(arch: _Arch) -> ctypes.Array:
    """Assemble the seccomp BPF program for ``arch``.

    Syscalls of another architecture are allowed, never killed (on x86_64 this leaves the
    i386 ``int 0x80`` entry unfiltered; the network namespace still applies). For this one,
    x32-ABI syscalls, connect(), io_uring_setup() and socket() with any family but AF_UNIX
    fail with EPERM; everything else is allowed. connect() is refused even for AF_UNIX because
    name resolution through nscd or systemd-resolved reaches the network over a Unix socket.
    """
    body = [
        (_LOAD, None, None, _ARCH_OFFSET),
        (_JEQ, None, _ALLOW, arch.audit_arch),
        (_LOAD, None, None, _NR_OFFSET),
        (_JGE, _DENY, None, _X32_SYSCALL_BIT),
        (_JEQ, _DENY, None, arch.connect),
        (_JEQ, _DENY, None, _IO_URING_SETUP),
        (_JEQ, None, _ALLOW, arch.socket),
        (_LOAD, None, None, _ARG0_LOW_OFFSET),
        (_JEQ, _ALLOW, _DENY, socket.AF_UNIX),
    ]
    targets = {_ALLOW: len(body), _DENY: len(body) + 1}

    def offset(index: int, label: str | None) -> int:
        return 0 if label is None else targets[label] - index - 1

    instructions = [
        _SockFilter(code, offset(i, jt), offset(i, jf), k) for i, (code, jt, jf, k) in enumerate(body)
    ]
    instructions.append(_SockFilter(_RET, 0, 0, _SECCOMP_RET_ALLOW))
    instructions.append(_SockFilter(_RET, 0, 0, _SECCOMP_RET_ERRNO | _EPERM))
    return (_SockFilter * len(instructions))(*instructions)


def _install_audit_hook() -> bool:
    """Add the irremovable audit hook ``_refuse_network``; return True."""
    sys.addaudithook(_refuse_network)
    return True


def _refuse_network(event: str, args: tuple) -> None:
    """Audit hook: raise PermissionError on name resolution, connections and URL requests.

    sendto() and sendmsg() are refused except on AF_UNIX sockets, which keeps the socketpair
    to the parent working; on others they could reach an address (UDP, TCP Fast Open).
    """
    if event in _BLOCKED_EVENTS or (event in _SEND_EVENTS and args[0].family != socket.AF_UNIX):
        raise PermissionError(f"network access is disabled in this process ({event})")


def _call(function: Callable[..., int], *args: int) -> int:
    """Call the variadic libc ``function`` (prctl, syscall) with every argument a machine word.

    ctypes would pass a bare int to a variadic function as a C int, leaving the upper half of
    the register undefined, while the kernel reads (and for prctl checks) full words.
    """
    return function(*(ctypes.c_ulong(a) for a in args))


def _single_threaded() -> bool:
    """Return whether this process has exactly one thread (per /proc, so native threads count)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False
