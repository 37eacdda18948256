"""update() takes any buffer in place, and hashing runs with the GIL released."""

from __future__ import annotations

import array
import mmap
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
import sealkit
from helpers import signed

DATA = bytes(range(256)) * 64  # 16 KiB


def feed(data_chunks: list[object]) -> sealkit.Verified:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    for c in data_chunks:
        v.update(c)  # type: ignore[arg-type]
    return v.finish()


def test_bytes() -> None:
    assert feed([DATA[:100], DATA[100:]]).length == len(DATA)


def test_bytearray() -> None:
    assert feed([bytearray(DATA[:5000]), bytearray(DATA[5000:])]).length == len(DATA)


def test_memoryview_and_contiguous_slices() -> None:
    view = memoryview(DATA)
    assert feed([view[:1], view[1:4097], view[4097:]]).length == len(DATA)


def test_memoryview_of_bytearray() -> None:
    ba = bytearray(DATA)
    assert feed([memoryview(ba)[:10], memoryview(ba)[10:]]).length == len(DATA)


def test_array_of_wider_items_is_read_as_its_bytes() -> None:
    words = array.array("I")
    words.frombytes(DATA)
    assert feed([words]).length == len(DATA)


def test_mmap_of_a_file(tmp_path: Path) -> None:
    p = tmp_path / "data"
    p.write_bytes(DATA)
    with open(p, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        assert feed([m]).length == len(DATA)
        # The export is released after update(): the mmap can be closed.
    assert m.closed


def test_anonymous_writable_mmap() -> None:
    m = mmap.mmap(-1, len(DATA))
    m.write(DATA)
    assert feed([m]).length == len(DATA)
    m.close()


def test_non_contiguous_memoryview_is_refused_cleanly() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    v.update(DATA[:10])
    strided = memoryview(DATA)[10::2]
    with pytest.raises(BufferError):
        v.update(strided)
    # Nothing was fed and the verifier is untouched: the rest still verifies.
    assert v.state == "active"
    assert v.bytes_received == 10
    v.update(DATA[10:])
    assert v.finish().length == len(DATA)


@pytest.mark.parametrize("bad", ["text", 42, None, [1, 2, 3]])
def test_non_buffers_raise_type_error(bad: object) -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    with pytest.raises(TypeError):
        v.update(bad)  # type: ignore[arg-type]
    assert v.state == "active"
    assert v.bytes_received == 0


def test_export_is_released_after_update() -> None:
    ba = bytearray(DATA)
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    v.update(ba)
    ba.extend(b"x")  # would raise BufferError if the export were still held
    assert v.finish().length == len(DATA)


class Counter:
    """A thread that counts while it can get the GIL."""

    def __init__(self) -> None:
        self.count = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import time

        while not self.stop.is_set():
            self.count += 1
            time.sleep(0)  # lets the main thread take the GIL back when it wants it


@pytest.fixture
def counter() -> Iterator[Counter]:
    # With a huge switch interval the interpreter never takes the GIL from a thread that does
    # not give it up: the counter can only advance while the main thread is inside a call that
    # releases the GIL.
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    c = Counter()
    c.thread.start()
    try:
        yield c
    finally:
        c.stop.set()
        c.thread.join()
        sys.setswitchinterval(old)


BIG = 64 * 1024 * 1024


def progress_during(counter: Counter, call: Callable[[], object]) -> int:
    before = counter.count
    call()
    return counter.count - before


def test_update_releases_the_gil(counter: Counter) -> None:
    data = bytes(BIG)
    sig, policy = signed(data)
    v = sealkit.Verifier(sig, policy)
    assert progress_during(counter, lambda: v.update(data)) > 0
    assert v.finish().length == BIG


def test_control_a_call_holding_the_gil_blocks_the_counter(counter: Counter) -> None:
    # Control for the method: a call that holds the GIL lets the counter make no progress.
    assert progress_during(counter, lambda: sum(range(2_000_000))) == 0


def test_verify_file_releases_the_gil(counter: Counter, tmp_path: Path) -> None:
    p = tmp_path / "big"
    with open(p, "wb") as f:
        f.truncate(BIG)
    sig, policy = signed(bytes(BIG))
    assert progress_during(counter, lambda: sealkit.verify_file(p, sig, policy)) > 0


def test_sign_file_releases_the_gil(counter: Counter, tmp_path: Path) -> None:
    from helpers import key

    p = tmp_path / "big"
    with open(p, "wb") as f:
        f.truncate(BIG)
    assert progress_during(counter, lambda: sealkit.sign_file(p, key(), issued_at=1)) > 0


def test_verifiers_in_parallel_threads() -> None:
    data = bytes(range(256)) * 4096
    sig, policy = signed(data)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            v = sealkit.Verifier(sig, policy)
            for i in range(0, len(data), 65536):
                v.update(data[i : i + 65536])
            results.append(v.finish().length)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [len(data)] * 4


def test_one_verifier_shared_by_threads_does_not_deadlock() -> None:
    data = bytes(8 * 1024 * 1024)
    sig, policy = signed(data + data)
    v = sealkit.Verifier(sig, policy)
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(v.bytes_received)

    t = threading.Thread(target=watch)
    t.start()
    v.update(data)
    v.update(data)
    done.set()
    t.join()
    assert v.finish().length == 2 * len(data)
    assert seen and all(0 <= s <= 2 * len(data) for s in seen)
