"""Requests in flight, the concurrency limit, and interrupting a running task.

A request is answered exactly once (PROTOCOL.md §5): whichever of its outcome, a Cancel or its
deadline gets to `Request.claim_answer` first wins and everything later is discarded.
"""
import collections
import ctypes
import heapq
import threading
import time

from .context import set_current

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class TaskInterrupted(BaseException):
    """Raised inside a task's thread to stop it. A BaseException, so that user code's
    `except Exception` does not swallow it."""


class Request:
    """A Submit, ActorCreate, ActorAsk or ActorStop the worker holds until it answers it."""

    def __init__(self, request_id, kind, body):
        self.id = request_id
        self.kind = kind            # the Frame body name: "submit", "actor_ask", ...
        self.body = body
        self.lock = threading.Lock()
        self.flag = threading.Event()  # what context.cancelled() reads
        self.answered = False
        self.started = False
        self.ended_by = None        # "CANCELLED" or "DEADLINE_EXCEEDED" once ended early
        self.interruptible = False  # True while a thread that may be interrupted runs user code
        self.thread_id = None
        self.interrupt_sent = False

    def try_start(self):
        """Marks the request as started, unless it was answered or ended before it started."""
        with self.lock:
            if self.answered or self.ended_by:
                return False
            self.started = True
            return True

    def claim_answer(self):
        """True exactly once: for the caller that may send the answer."""
        with self.lock:
            if self.answered:
                return False
            self.answered = True
            return True

    def end(self, why, interrupt):
        """Records that the request should end early (cancel or deadline). Returns False if it
        had not started: the caller then answers it, and it never starts. A started request
        ends early only with `interrupt`; without, it runs to its end (PROTOCOL.md §6)."""
        with self.lock:
            if self.answered:
                return True
            if not self.started:
                self.ended_by = self.ended_by or why
                return False
            if not interrupt:
                return True
            self.ended_by = self.ended_by or why
        self.flag.set()
        self._interrupt()
        return True

    def _interrupt(self):
        with self.lock:
            if self.interruptible and not self.interrupt_sent:
                self.interrupt_sent = True
                _set_async_exc(ctypes.c_ulong(self.thread_id), ctypes.py_object(TaskInterrupted))


def call_user(request, fn, *args, interruptible=True):
    """Calls user code for `request` on this thread, where context.cancelled() sees the
    request's flag. With `interruptible`, an interrupt raises TaskInterrupted in here."""
    set_current(request.flag)
    with request.lock:
        request.thread_id = threading.get_ident()
        request.interruptible = interruptible
    try:
        return fn(*args)
    finally:
        _leave(request)
        set_current(None)


def _leave(request):
    # After this, no new interrupt can be sent to this thread. One sent but not yet delivered
    # would hit worker code later, so it is withdrawn (a NULL exception clears it); if it is
    # delivered while we get here, we simply try again.
    while True:
        try:
            with request.lock:
                request.interruptible = False
                sent = request.interrupt_sent
            if sent:
                _set_async_exc(ctypes.c_ulong(request.thread_id), None)
            return
        except TaskInterrupted:
            continue


class Runner:
    """Runs Submits on threads of their own, at most `limit` at once (0: no limit), queueing
    the rest in arrival order (PROTOCOL.md §5.1)."""

    def __init__(self, execute, report):
        self._execute = execute
        self._report = report  # report(text): a bug of ours, logged, must not stop the queue
        self._lock = threading.Lock()
        self._queue = collections.deque()
        self._active = 0
        self.limit = 0

    def submit(self, request):
        with self._lock:
            if self.limit and self._active >= self.limit:
                self._queue.append(request)
                return
            self._active += 1
        threading.Thread(target=self._run, args=(request,), name=f"procwire-task-{request.id}", daemon=True).start()

    def unqueue(self, request):
        """Takes a request that has not started off the queue; True if it was there."""
        with self._lock:
            try:
                self._queue.remove(request)
                return True
            except ValueError:
                return False

    def _run(self, request):
        while request is not None:
            try:
                self._execute(request)
            except BaseException as e:  # noqa: B902
                self._report(f"request {request.id}: {e!r}")
            with self._lock:
                request = self._queue.popleft() if self._queue else None
                if request is None:
                    self._active -= 1


class Timers:
    """One thread that runs callbacks at given times (deadlines)."""

    def __init__(self, report):
        self._report = report
        self._heap = []
        self._cond = threading.Condition()
        self._seq = 0
        threading.Thread(target=self._run, name="procwire-timers", daemon=True).start()

    def at(self, when, callback):
        with self._cond:
            self._seq += 1
            heapq.heappush(self._heap, (when, self._seq, callback))
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                _, _, callback = heapq.heappop(self._heap)
            try:
                callback()
            except BaseException as e:  # noqa: B902
                self._report(f"timer: {e!r}")
