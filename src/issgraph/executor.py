"""Run queries in a child process that can be killed, so a time limit is real.

rdflib has no timeout, Oxigraph none from Python, and a Python thread cannot be stopped:
each web worker keeps one forked evaluator, cut off from the network, and kills and
replaces it when a query outlives its limit. The worker itself never blocks past the limit.

The pool grows to its size under load and shrinks again when load falls: an evaluator idle for
`idle_seconds` exits, down to one per worker, and is forked again when a burst needs it (a fork
costs about a millisecond; an idle evaluator ~14 MB PSS after the bench, eight of them half the
server's memory: bench/RESULTS.md). Pools of processes do the same where memory matters
(php-fpm's `ondemand` manager, Apache's `MaxSpareServers`).
"""
from __future__ import annotations

import collections
import ctypes
import logging
import os
import pickle
import resource
import select
import signal
import socket
import stat
import threading
import time
from multiprocessing.connection import Connection
from typing import Callable

from . import netguard
from .engine import Answer, QueryError, QueryJob, StoreTimeout, StoreUnavailable, check_syntax
from .formats import BY_NAME, Format

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


class QueryTimeout(Exception):
    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"query exceeded {seconds:g} s and was stopped")


class EvaluatorFailed(Exception):
    """The evaluator process died while running a query (it is replaced)."""


class EvaluatorsBusy(Exception):
    """No evaluator became free for this client within the query's time budget."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"every evaluator this server may give you is busy; none became free within {seconds:g} s")


class _Ticket:
    """One request waiting for an evaluator: in a thread (`future` None) or on an event loop."""

    __slots__ = ("client", "granted", "future", "loop", "thread")

    def __init__(self, client: str, future=None, loop=None):
        self.client, self.granted, self.future, self.loop = client, False, future, loop
        self.thread = threading.get_ident()


def _grant(future) -> None:
    if not future.done():
        future.set_result(True)


class Admission:
    """Fair use of the evaluators: at most `per_client` at once for one client address, and a wait
    bounded by a deadline; so a client's runaways leave an evaluator to everybody else.

    Those who wait are served first come, first served, whether they wait in a thread (`acquire`)
    or on an event loop (`acquire_async`, granian's front: no thread is given to a request only
    to wait): a freed evaluator is handed to the longest-waiting request whose client is under its
    share. Written here rather than with asyncio's or threading's semaphores: neither waits across
    threads and event loops at once, nor knows a per-client share."""

    def __init__(self, size: int, per_client: int):
        self.size, self.per_client = size, max(1, min(per_client, size))
        self.busy = 0
        self.by_client: dict[str, int] = {}
        self._cond = threading.Condition()
        self._queue: collections.deque[_Ticket] = collections.deque()

    def waiting(self) -> int:
        """How many requests wait for an evaluator."""
        with self._cond:
            return len(self._queue)

    def _free_for(self, client: str) -> bool:
        return self.busy < self.size and self.by_client.get(client, 0) < self.per_client

    def _take(self, client: str) -> None:
        self.busy += 1
        self.by_client[client] = self.by_client.get(client, 0) + 1

    def _at_once_or_queued(self, client: str, deadline: float, ticket: Callable[[], _Ticket]) -> "bool | _Ticket":
        """With the lock held: True when taken at once, False when the deadline has passed, else
        the new ticket, queued."""
        if self._free_for(client):
            self._take(client)
            return True
        if deadline <= time.monotonic():
            return False
        queued = ticket()
        self._queue.append(queued)
        return queued

    def acquire(self, client: str, deadline: float) -> bool:
        """An evaluator for `client`, waiting in this thread until `deadline` at most."""
        with self._cond:
            ticket = self._at_once_or_queued(client, deadline, lambda: _Ticket(client))
            if isinstance(ticket, bool):
                return ticket
            while not ticket.granted:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._queue.remove(ticket)
                    return False
                self._cond.wait(remaining)
            return True

    async def acquire_async(self, client: str, deadline: float) -> bool:
        """`acquire` awaited on the running event loop: the wait holds no thread."""
        import asyncio

        loop = asyncio.get_running_loop()
        with self._cond:
            ticket = self._at_once_or_queued(client, deadline, lambda: _Ticket(client, loop.create_future(), loop))
            if isinstance(ticket, bool):
                return ticket
        try:
            await asyncio.wait((ticket.future,), timeout=max(0.0, deadline - time.monotonic()))
        except BaseException:              # cancelled: a grant made meanwhile is given back
            with self._cond:
                if not ticket.granted:
                    self._queue.remove(ticket)
                    raise
            self.release(client)
            raise
        with self._cond:
            if ticket.granted:             # in time, or at the same moment as the deadline: kept
                return True
            self._queue.remove(ticket)
            return False

    def release(self, client: str) -> None:
        with self._cond:
            self._untake(client)
            self._hand_on()

    def _untake(self, client: str) -> None:
        self.busy -= 1
        left = self.by_client[client] - 1
        if left:
            self.by_client[client] = left
        else:
            del self.by_client[client]

    def _hand_on(self) -> None:
        """With the lock held: free evaluators handed to the longest-waiting who may have one."""
        if not self._queue:
            return
        threads = False
        for ticket in list(self._queue):
            if self.busy >= self.size:
                break
            if self.by_client.get(ticket.client, 0) >= self.per_client:
                continue
            self._take(ticket.client)
            ticket.granted = True
            self._queue.remove(ticket)
            if ticket.future is None:
                threads = True
                continue
            try:
                if ticket.thread == threading.get_ident():
                    ticket.loop.call_soon(_grant, ticket.future)
                else:
                    ticket.loop.call_soon_threadsafe(_grant, ticket.future)
            except RuntimeError:           # its loop has closed: nobody is left to use the grant
                ticket.granted = False
                self._untake(ticket.client)
        if threads:
            self._cond.notify_all()


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _drop_inherited_sockets(keep: int) -> None:
    """In a new evaluator: replace every socket it inherited from its worker (the listening socket,
    clients' connections, the pipes to its siblings), but its own pipe and stdio, by /dev/null.

    A worker forks evaluators while it serves (a replacement, a pool growing again): a copy of a
    client's connection held here would keep it open after the worker closes it, and that client
    would wait for an end that never comes. /dev/null rather than a plain close, so that no
    descriptor number the worker's objects still name is freed for reuse."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:          # no /proc (not Linux): nothing to go by
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        if fd > 2 and fd not in (keep, null):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.dup2(null, fd, inheritable=False)
            except OSError:
                pass
    os.close(null)


def _too_big(size: int, limit: int) -> str:
    return (f"the answer is {size / 1e6:.1f} MB, more than the {limit / 1e6:.1f} MB this service sends at once; "
            "ask for fewer rows (LIMIT) or columns")


def _child_main(conn: Connection, engine, memory_limit: int | None, isolate: Callable[[], str]) -> None:
    """The evaluator loop: read (job, format) pairs, answer each, exit on EOF."""
    _die_with_parent()
    _drop_inherited_sockets(conn.fileno())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    isolate()
    netguard.forbid_file_urls()
    while True:
        try:
            fields, fmt_name, max_bytes = pickle.loads(conn.recv_bytes())
            job = QueryJob(*fields)
        except (EOFError, OSError):
            os._exit(0)
        try:
            if job.parse_only:      # the editor's check: a syntax error, or an empty answer
                check_syntax(job.text, job.base_iri)
                a = Answer(b"", fmt_name, None, False)
            else:
                a = engine.run(job, BY_NAME[fmt_name])
            if max_bytes and len(a.body) > max_bytes:     # never sent: the worker's memory is bounded too
                reply = ("error", (_too_big(len(a.body), max_bytes), None, None))
            else:
                reply = ("ok", (a.body, a.format, a.count, a.truncated))
        except StoreUnavailable as err:
            reply = ("unavailable", str(err))
        except StoreTimeout as err:
            reply = ("store-timeout", str(err))
        except QueryError as err:
            reply = ("error", (str(err), err.line, err.column))
        except MemoryError:
            reply = ("error", ("the query needs more memory than this service allows", None, None))
        except RecursionError:
            reply = ("error", ("the query is nested too deeply to evaluate", None, None))
        except Exception as err:  # reported to the parent, which logs it with the request id
            reply = ("failed", f"{type(err).__name__}: {err}")
        try:
            payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # an unpicklable answer is a bug; report it rather than die
            payload = pickle.dumps(("failed", f"cannot send the answer: {err}"))
        try:
            conn.send_bytes(payload)
        except (OSError, MemoryError):
            os._exit(1)


class _Evaluator:
    """One forked evaluator process and the pipe to it."""

    def __init__(self, engine, memory_limit: int | None, isolate: Callable[[], str]):
        parent, child = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the evaluator
            try:
                parent.close()
                _child_main(Connection(child.detach()), engine, memory_limit, isolate)
            finally:
                os._exit(0)
        child.close()
        self.pid, self.conn, self.owner = pid, Connection(parent.detach()), os.getpid()
        self.idle_since = time.monotonic()
        self.used = False
        self._poller = select.poll()      # one poller per pipe: Connection.poll builds a selector each call
        self._poller.register(self.conn.fileno(), select.POLLIN)
        log.debug("evaluator %d started", pid)

    def send(self, job: QueryJob, fmt: Format, max_bytes: int = 0) -> None:
        """Hand one job to the evaluator."""
        self.used = True
        fields = (job.text, job.form, job.default_graphs, job.named_graphs, job.base_iri, job.from_clause, job.parse_only)
        self.conn.send_bytes(pickle.dumps((fields, fmt.name, max_bytes), protocol=pickle.HIGHEST_PROTOCOL))

    def wait(self, timeout: float) -> bool:
        """Whether the answer (or the end of the pipe) arrived within `timeout` seconds."""
        return bool(self._poller.poll(timeout * 1000))

    def receive(self):
        """The answer, (kind, value), once `wait` said it is there."""
        return pickle.loads(self.conn.recv_bytes())

    def stop(self) -> None:
        if self.owner == os.getpid():
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.conn.close()


class Executor:
    """A pool of killable evaluator processes per owner process, started on first use.

    `size` evaluators serve that many concurrent queries (one per request thread); a query
    that outlives `timeout` has its evaluator killed and replaced, so the limit is real.
    """

    def __init__(self, engine_factory: Callable[[], object], timeout: float, size: int = 1,
                 memory_limit: int | None = 4 << 30, isolate: Callable[[], str] | None = None,
                 on_event: Callable[..., None] | None = None,
                 per_client: int = 0, max_answer_bytes: int = 0, recycle_after_bytes: int = 0,
                 idle_seconds: float = 0.0):
        """`idle_seconds`: an evaluator idle that long exits, all but the last (0: they stay);
        `per_client`: evaluators one client address may hold at once (0: all but one);
        `max_answer_bytes`: larger answers are refused in the evaluator; `recycle_after_bytes`: an
        evaluator that produced a larger answer is replaced (its memory returns to the system);
        `on_event`: told of timeouts and restarts (for metrics)."""
        self._factory = engine_factory
        self._isolate = isolate or netguard.isolate_process
        self.timeout = timeout
        self.size = size
        self.memory_limit = memory_limit
        self._engine = None
        self._idle: list[_Evaluator] = []
        self.admission = Admission(size, per_client or max(1, size - 1))
        self.max_answer_bytes = max_answer_bytes
        self.recycle_after_bytes = recycle_after_bytes
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self.idle_seconds = idle_seconds
        self._reaper_of = 0                  # the process whose reaper thread runs (threads do not survive fork)
        self._event = on_event or (lambda name, reason="": None)   # for metrics: timeouts, restarts

    def _take(self) -> _Evaluator:
        with self._lock:
            if self._owner != os.getpid():   # a forked copy of another process's executor
                self._idle, self._owner = [], os.getpid()
            if self._idle:
                return self._idle.pop()
            if self._engine is None:
                self._engine = self._factory()
        return _Evaluator(self._engine, self.memory_limit, self._isolate)

    def retire_idle(self, now: float | None = None) -> int:
        """Stop the evaluators idle for `idle_seconds` or more; returns how many stopped. The idle
        list is a stack, so the longest idle are at its bottom. When all of them are, and the last
        has answered since it was forked, a fresh one takes its place: what an evaluator's heap
        gained from its answers is its own (malloc_trim frees little of it), a new fork shares its
        worker's pages — on an idle server it holds ~6 MB less."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._owner != os.getpid() or not self.idle_seconds:
                return 0
            n = 0
            while n < len(self._idle) and now - self._idle[n].idle_since >= self.idle_seconds:
                n += 1
            renew = n == len(self._idle) and n > 0 and self._idle[-1].used
            candidates = self._idle[:n if renew else min(n, len(self._idle) - 1)]
        fresh = None
        if renew:                            # forked first, so the pool is never empty meanwhile
            try:
                fresh = _Evaluator(self._engine, self.memory_limit, self._isolate)
            except OSError as err:          # no process to spare now: keep the last one
                log.warning("no fresh evaluator for the idle ones: %s", err)
                candidates = candidates[:-1]
        with self._lock:                     # those taken by a query meanwhile stay in use
            retired = [e for e in candidates if e in self._idle]
            self._idle = ([fresh] if fresh else []) + [e for e in self._idle if e not in retired]
        for evaluator in retired:
            evaluator.stop()
            log.debug("evaluator %d retired after %.0f s idle", evaluator.pid, now - evaluator.idle_since)
        return len(retired)

    def _watch_idle(self) -> None:
        """Start this process's reaper thread once, when an evaluator first goes back to the pool
        (not in prestart: the worker forks its first evaluators before it has a thread)."""
        if not self.idle_seconds or self._reaper_of == os.getpid():
            return
        self._reaper_of = os.getpid()
        period = max(0.1, min(5.0, self.idle_seconds / 4))

        def reap() -> None:
            while True:
                time.sleep(period)
                self.retire_idle()

        threading.Thread(target=reap, name="evaluator-reaper", daemon=True).start()

    def prestart(self) -> None:
        """Fork every evaluator now, while this process has a single thread (safe to fork)."""
        started = [self._take() for _ in range(self.size - len(self._idle))]
        with self._lock:
            self._idle.extend(started)

    def run(self, job: QueryJob, fmt: Format, client: str = "-", max_bytes: int = 0,
            started: float | None = None, timeout: float | None = None) -> Answer:
        """Run one job within the time limit (`timeout`, default the executor's), counted from
        `started` (default now): waiting for an evaluator uses it up too, so no query outlives its
        limit. `max_bytes` (0: the executor's) bounds the answer."""
        limit = self.timeout if timeout is None else timeout
        start = time.monotonic() if started is None else started
        if not self.admission.acquire(client, start + limit):
            raise EvaluatorsBusy(limit)
        running = self._send(job, fmt, client, max_bytes, start, limit)
        if not running.evaluator.wait(running.remaining()):
            running.expire()
        return running.finish()

    def run_here(self, job: QueryJob, fmt: Format, max_bytes: int = 0) -> Answer:
        """A lookup (lookups.py) evaluated in this process, in the calling thread: bounded by its
        shape, it needs no process that can be killed, and skips the round trip to one. An engine
        failure is reported as an evaluator's crash would be (400), never raised as it is."""
        with self._lock:
            if self._engine is None:
                self._engine = self._factory()
            engine = self._engine
        try:
            a = engine.run(job, fmt)
        except (QueryError, StoreUnavailable, StoreTimeout):
            raise
        except Exception as err:              # a panic of the engine, say: as if an evaluator had died
            log.error("a lookup failed in the web worker: %s: %s", type(err).__name__, err)
            raise EvaluatorFailed(f"{type(err).__name__}: {err}") from None
        limit = max_bytes or self.max_answer_bytes
        if limit and len(a.body) > limit:
            raise QueryError(_too_big(len(a.body), limit))
        return a

    async def start(self, job: QueryJob, fmt: Format, client: str = "-", max_bytes: int = 0,
                    started: float | None = None) -> "Running":
        """`run`'s start, awaited on an event loop: the job handed to an evaluator as soon as one is
        free for this client (the wait holds no thread), within the time limit counted from
        `started`; EvaluatorsBusy after it. The loop then waits for the readable `Running.fileno()`
        within `Running.remaining()` seconds, and calls `finish()`, or `expire()`."""
        start = time.monotonic() if started is None else started
        if not await self.admission.acquire_async(client, start + self.timeout):
            raise EvaluatorsBusy(self.timeout)
        return self._send(job, fmt, client, max_bytes, start, self.timeout)

    def _send(self, job: QueryJob, fmt: Format, client: str, max_bytes: int, start: float,
              limit: float) -> "Running":
        """With an admission held: the job sent to an evaluator (the admission is released on failure)."""
        try:
            evaluator = self._take()
        except BaseException:
            self.admission.release(client)
            raise
        try:
            evaluator.send(job, fmt, max_bytes or self.max_answer_bytes)
        except OSError:                       # it died since its last answer
            evaluator.stop()
            self.admission.release(client)
            self._event("evaluator_restart", "crashed")
            raise EvaluatorFailed("the evaluator stopped while running this query") from None
        except BaseException:
            evaluator.stop()
            self.admission.release(client)
            raise
        return Running(self, evaluator, client, start, limit, job.parse_only)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for evaluator in idle:
            evaluator.stop()


class Running:
    """One job at one evaluator, holding the client's admission until `finish` or `expire`."""

    def __init__(self, executor: Executor, evaluator: _Evaluator, client: str, start: float, limit: float,
                 parse_only: bool = False):
        self.executor, self.evaluator, self.client, self.start = executor, evaluator, client, start
        self.limit, self.parse_only = limit, parse_only
        self._done = False

    def fileno(self) -> int:
        return self.evaluator.conn.fileno()

    def remaining(self) -> float:
        return max(0.05, self.limit - (time.monotonic() - self.start))

    def expire(self) -> None:
        """The time limit passed: the evaluator is killed (its CPU freed) and QueryTimeout raised."""
        ex = self.executor
        self.evaluator.stop()
        self._release()
        if not self.parse_only:                # a check cut short parsed: it is no query's timeout
            ex._event("query_timeout")
        ex._event("evaluator_restart", "check" if self.parse_only else "timeout")
        raise QueryTimeout(self.limit)

    def finish(self) -> Answer:
        """The answer that arrived (the evaluator goes back to the pool, or is replaced)."""
        ex = self.executor
        try:
            try:
                kind, value = self.evaluator.receive()
            except (EOFError, OSError, pickle.UnpicklingError):
                self.evaluator.stop()
                ex._event("evaluator_restart", "crashed")
                raise EvaluatorFailed("the evaluator stopped while running this query") from None
            if ex.recycle_after_bytes and kind == "ok" and len(value[0]) > ex.recycle_after_bytes:
                self.evaluator.stop()          # it may keep the answer's memory: start afresh next time
                log.info("evaluator %d replaced after an answer of %d bytes", self.evaluator.pid, len(value[0]))
                ex._event("evaluator_restart", "big-answer")
            else:
                self.evaluator.idle_since = time.monotonic()
                with ex._lock:
                    ex._idle.append(self.evaluator)
                ex._watch_idle()
        finally:
            self._release()
        if kind == "ok":
            return Answer(*value)
        if kind == "error":
            message, line, column = value
            raise QueryError(message, line, column)
        if kind == "unavailable":
            raise StoreUnavailable(value)
        if kind == "store-timeout":
            raise StoreTimeout(value)
        raise EvaluatorFailed(value)

    def _release(self) -> None:
        if not self._done:
            self._done = True
            self.executor.admission.release(self.client)
