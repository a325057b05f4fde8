"""Fair admission to the evaluators (executor.Admission): first come, first served among those
waiting, whether a request waits in a thread or on an event loop; a client at its share waits
while others are let in; a wait ends at its deadline, and a grant is never lost or given twice."""
from __future__ import annotations

import asyncio
import threading
import time

from issgraph.executor import Admission


def _soon(seconds: float = 2.0) -> float:
    return time.monotonic() + seconds


def test_waiters_are_let_in_in_the_order_they_came_threads_and_event_loop_alike():
    admission = Admission(size=1, per_client=1)
    assert admission.acquire("holder", _soon())
    order: list[str] = []

    def in_a_thread(name: str) -> None:
        assert admission.acquire(name, _soon(5))
        order.append(name)
        admission.release(name)

    async def on_the_loop(name: str) -> None:
        assert await admission.acquire_async(name, _soon(5))
        order.append(name)
        admission.release(name)

    async def scene() -> None:
        first = threading.Thread(target=in_a_thread, args=("thread-1",))
        first.start()
        while admission.waiting() < 1:
            await asyncio.sleep(0.005)
        second = asyncio.ensure_future(on_the_loop("loop-2"))
        while admission.waiting() < 2:
            await asyncio.sleep(0.005)
        third = threading.Thread(target=in_a_thread, args=("thread-3",))
        third.start()
        while admission.waiting() < 3:
            await asyncio.sleep(0.005)
        admission.release("holder")
        await second
        await asyncio.get_running_loop().run_in_executor(None, first.join)
        await asyncio.get_running_loop().run_in_executor(None, third.join)

    asyncio.run(scene())
    assert order == ["thread-1", "loop-2", "thread-3"]
    assert (admission.busy, admission.by_client, admission.waiting()) == (0, {}, 0)


def test_a_client_at_its_share_waits_while_another_client_is_let_in_first():
    admission = Admission(size=3, per_client=2)
    assert admission.acquire("a", _soon()) and admission.acquire("a", _soon())

    async def scene() -> list[str]:
        order: list[str] = []

        async def wait(name: str) -> None:
            assert await admission.acquire_async(name, _soon(5))
            order.append(name)

        a3 = asyncio.ensure_future(wait("a"))          # a holds its two: waits, though one is free
        await asyncio.sleep(0.05)
        assert order == [] and admission.waiting() == 1
        await wait("b")                                # b takes the free one at once
        assert order == ["b"]
        admission.release("a")                         # a is under its share again: its waiter is let in
        await a3
        return order

    assert asyncio.run(scene()) == ["b", "a"]
    assert admission.by_client == {"a": 2, "b": 1} and admission.busy == 3


def test_a_wait_ends_at_its_deadline_and_leaves_no_one_behind():
    admission = Admission(size=1, per_client=1)
    assert admission.acquire("holder", _soon())
    started = time.monotonic()
    assert not admission.acquire("thread", time.monotonic() + 0.2)
    assert not asyncio.run(admission.acquire_async("loop", time.monotonic() + 0.2))
    assert 0.35 <= time.monotonic() - started < 2.0
    assert admission.waiting() == 0
    admission.release("holder")
    assert (admission.busy, admission.by_client) == (0, {})


def test_a_waiter_cancelled_on_the_loop_gives_back_what_it_was_granted():
    """A request whose client went away while it waited: the evaluator it was handed is free again."""
    admission = Admission(size=1, per_client=1)
    assert admission.acquire("holder", _soon())

    async def scene() -> None:
        waiter = asyncio.ensure_future(admission.acquire_async("gone", _soon(5)))
        while admission.waiting() < 1:
            await asyncio.sleep(0.005)
        admission.release("holder")      # granted to the waiter ...
        waiter.cancel()                  # ... which is cancelled before it ran again
        try:
            await waiter
        except asyncio.CancelledError:
            pass
        else:
            admission.release("gone")    # it ran before the cancel landed: it holds a grant, like any

    asyncio.run(scene())
    assert (admission.busy, admission.by_client, admission.waiting()) == (0, {}, 0)
    assert admission.acquire("next", 0.0)


def test_no_grant_is_lost_when_many_wait_in_threads_and_on_the_loop():
    admission = Admission(size=2, per_client=2)
    served: list[str] = []
    lock = threading.Lock()

    def use(name: str) -> None:
        with lock:
            served.append(name)
        assert admission.busy <= 2
        time.sleep(0.001)
        admission.release(name.split("-")[0])

    def threads(n: int) -> None:
        for i in range(n):
            assert admission.acquire(f"t{i % 3}", _soon(10))
            use(f"t{i % 3}-{i}")

    async def loop_side(n: int) -> None:
        async def one(i: int) -> None:
            assert await admission.acquire_async(f"l{i % 3}", _soon(10))
            use(f"l{i % 3}-{i}")
        await asyncio.gather(*(one(i) for i in range(n)))

    workers = [threading.Thread(target=threads, args=(60,)) for _ in range(3)]
    for w in workers:
        w.start()
    asyncio.run(loop_side(120))
    for w in workers:
        w.join(10)
    assert len(served) == 300
    assert (admission.busy, admission.by_client, admission.waiting()) == (0, {}, 0)
