"""Extraction on all cores: a process pool whose workers each build the analyzer once.

Workers start with the `forkserver` method where the platform has it (else `spawn`), never a bare
`fork` of a parent that may already run threads (ONNX Runtime, tqdm). The server preloads the kg
modules once, so each worker only builds its analyzer, in the pool's initializer. A task is one
input file: the worker reads, cleans, splits and extracts it (`extract.extract_file`) and returns
a `FileResult` of model dataclasses, its extractions pickled once, as bytes: the parent loads them
and can store the same bytes in the extraction cache without pickling them again. Results arrive
as files finish; the caller puts them back in input order, so a parallel build equals a serial one.

`BackgroundCall` runs one function in one more such process, for work that can overlap the
build's own (the graph's layout, while the RDF is written and the pages' other records are built,
then the tables, while the pages are written). What it logs is logged again in this process.
"""
from __future__ import annotations

import contextlib
import dataclasses
import gc
import inspect
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import resource_tracker
from pathlib import Path

from .extract import FileResult, extract_file

log = logging.getLogger(__name__)

_analyzer = None
_analyzer_error: BaseException | None = None


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count, where known)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _context():
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["kg.extract"])
    return ctx


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back while the pool's processes start, then handled as it would have been.

    The processes inherit this thread's blocked SIGINT: the forkserver keeps it blocked while it
    imports the kg modules (it ignores SIGINT itself only once they are in: a Ctrl-C then printed
    a traceback of the import), and each worker lifts it in `_init_worker`. Another thread of this
    process may still take the signal: it is recorded rather than raised in the middle of a
    process's start (the worker, half started, printed an error once this process was gone)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    caught: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    # handlers are set, and run, in the main thread only (None: one not set from Python)
    swap = threading.current_thread() is threading.main_thread() and previous is not None
    if swap:
        signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    blocked = _block_ctrl_c()
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C held back is recorded here
        if swap:
            signal.signal(signal.SIGINT, previous)
    if caught:  # as the handler before would have: raised here (not in some callback), or ignored
        if callable(previous):
            previous(signal.SIGINT, None)  # Python's own raises KeyboardInterrupt
        elif previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


def _block_ctrl_c() -> set[int] | None:
    """Block SIGINT in this thread, for the processes it starts to inherit; the mask before (None
    where threads have no signal masks)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    # multiprocessing's resource tracker, started with the first process, unblocks SIGINT in the
    # thread that starts it (SIG_UNBLOCK, not the mask it found): started first, it cannot
    resource_tracker.ensure_running()
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _init_worker(use_lac: bool) -> None:
    """Pool initializer: build this worker's analyzer once (an error is raised by its tasks)."""
    global _analyzer, _analyzer_error
    try:
        if hasattr(signal, "pthread_sigmask"):  # Ctrl-C stops a worker again (see _ctrl_c_held)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        from .entities import default_analyzer

        _analyzer = default_analyzer(use_lac=use_lac)
        # the analyzer's tables (millions of objects) live as long as the worker: frozen, the
        # garbage collector's passes no longer walk them (collections took 2 % of extraction, 0.6 % after)
        gc.freeze()
    except BaseException as err:  # noqa: BLE001 - reported by the first task, not as a broken pool
        _analyzer_error = err


def _work(path: str, digest: bool) -> tuple[FileResult, bytes | None]:
    if _analyzer_error is not None:
        raise RuntimeError(f"worker could not build the analyzer: {_analyzer_error!r}") from _analyzer_error
    result = extract_file(path, _analyzer, digest=digest)
    if result.extractions is None:
        return result, None
    # one pickle for the whole tuple: relations keep pointing at the very Mention objects
    pickled = pickle.dumps(result.extractions, protocol=pickle.HIGHEST_PROTOCOL)
    return dataclasses.replace(result, extractions=None), pickled


def extract_files(paths: Sequence[str | Path], *, jobs: int, use_lac: bool = True,
                  digest: bool = False) -> Iterator[tuple[int, FileResult, bytes | None]]:
    """(index into paths, result, its extractions pickled or None) for every file, in the order
    they finish, on `jobs` workers.

    If a worker dies (killed, out of memory, a script without the `if __name__ == "__main__"`
    guard that spawned workers need), the pool is broken: this logs it and stops early, and the
    caller extracts the files that have no result yet by other means.
    """
    if not paths:
        return
    workers = max(1, min(jobs, len(paths)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_init_worker,
                             initargs=(use_lac,)) as pool:
        try:
            with _ctrl_c_held():  # the first submissions start the processes
                futures = {pool.submit(_work, str(path), digest): index for index, path in enumerate(paths)}
            for future in as_completed(futures):
                try:
                    result, pickled = future.result()
                except BrokenProcessPool as err:
                    log.error("a worker process died (%s)", err)
                    pool.shutdown(wait=False, cancel_futures=True)
                    return
                if pickled is not None:
                    result = dataclasses.replace(result, extractions=pickle.loads(pickled))
                yield futures[future], result, pickled
        except BaseException:
            _stop_now(pool)
            raise


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel the files not yet started and end the workers at once (Python 3.14's
    `terminate_workers`, done the same way): interrupted, the build exits without waiting for the
    files under way, and a worker still starting does not go on to read its set-up from a process
    that has gone (it printed the error)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


class _Collected(logging.Handler):
    """The records a background process logs, kept to be sent back with its answer."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # the arguments may not pickle
        record.exc_info = record.exc_text = None
        self.records.append(record)


def _call_and_send(connection, call: bytes) -> None:
    """Run `call` (the function and its arguments, pickled) and send its answers on `connection`."""
    # stop() sends SIGTERM: exiting by an exception lets `finally` blocks remove temporary files
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    collected = _Collected()
    logging.getLogger().addHandler(collected)
    logging.getLogger().setLevel(logging.DEBUG)  # the parent's levels decide what is shown

    def send(outcome: tuple) -> None:
        records, collected.records = collected.records, []
        try:
            connection.send((*outcome, records))
        except Exception as err:  # noqa: BLE001 - a value or exception that does not pickle
            connection.send((False, RuntimeError(f"{outcome[1]!r} (could not be sent back: {err})"), records))

    try:
        function, args = pickle.loads(call)
        # the arguments (a large graph) live as long as this process: the collector need not walk them
        gc.freeze()
        answer = function(*args)
        # a generator's values are sent one by one, as they come
        for value in answer if inspect.isgenerator(answer) else (answer,):
            send((True, value))
    except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
        send((False, err))
    finally:
        connection.close()


class BackgroundCall:
    """`function(*args)` in another process, started at once (the arguments are pickled now, in
    this thread: the caller may go on using them).

    `result()` waits and returns its value or raises its exception, or `ChildProcessError` if the
    process died without answering; a generator function's values are the answers of successive
    calls. `stop()` ends it if it is still running (a build that fails or is interrupted does not
    wait for it). The process is a daemon: it never outlives this one. It holds Ctrl-C back (the
    pool's forkserver and this thread block SIGINT, and it keeps the block): the caller, which
    takes the Ctrl-C, stops it.
    """

    def __init__(self, function: Callable, *args) -> None:
        context = _context()
        self._answers, sender = context.Pipe(duplex=False)
        call = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        self._process = context.Process(target=_call_and_send, args=(sender, call), daemon=True)
        self._start_error: BaseException | None = None
        self._started_event = threading.Event()
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        # Started from a thread: `start()` returns once the new process has started and read its
        # arguments through a pipe, seconds for a large graph (3.7 s in all at 10,000 articles,
        # the pickling above 1 s of them) that this process can spend on its own work. The same
        # thread then takes each answer as it comes: an answer larger than the pipe holds (a
        # layout's positions, megabytes) would otherwise keep the process waiting, its next work
        # (the tables) not begun, until the caller asks for it.
        self._receiver = threading.Thread(target=self._start_and_receive, args=(sender,), daemon=True)
        self._receiver.start()

    def _start_and_receive(self, sender) -> None:
        # Ctrl-C is the caller's to handle (it stops the process); held back in this thread, the
        # forkserver, if this starts it, imports without taking it (see _ctrl_c_held)
        _block_ctrl_c()
        try:
            self._process.start()
        except BaseException as err:  # noqa: BLE001 - raised by result(), in the caller's thread
            self._start_error = err
            return
        finally:
            sender.close()  # only the child writes: a dead child then reads as end of file
            self._started_event.set()
        while True:
            try:
                self._inbox.put(self._answers.recv())
            except (EOFError, OSError):
                self._inbox.put(None)  # the process ended (or was stopped): no more answers
                return
            except Exception as err:  # noqa: BLE001 - an answer that does not unpickle here
                self._inbox.put((False, err, []))

    def _started(self) -> bool:
        """Wait for the start; whether the process was started."""
        self._started_event.wait()
        return self._start_error is None

    def result(self):
        if not self._started():
            raise self._start_error
        answer = self._inbox.get()
        if answer is None:
            self._inbox.put(None)  # for any later call too
            self._process.join()
            raise ChildProcessError(f"the background process died (exit code {self._process.exitcode})")
        succeeded, value, records = answer
        for record in records:  # as if logged here, where this process's levels decide
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        if succeeded:
            return value
        raise value

    def stop(self) -> None:
        if self._started():
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
        self._receiver.join()  # at the end of the pipe, now that the process is gone
        self._answers.close()
