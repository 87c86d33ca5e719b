"""The request a thread is running, so user code can see that it was cancelled.

Python cannot stop a thread from outside. A cancel with interrupt (or a deadline) therefore
sets the request's flag, which `sleep` and `check_cancelled` watch, and also raises
TaskInterrupted in the task's thread at its next Python bytecode (see tasks.py); code blocked
in a C call (time.sleep, a socket read) only sees it once the call returns.
"""
import threading

_current = threading.local()


class Cancelled(Exception):
    """Raised in a task that was cancelled or ran past its deadline."""


def _flag():
    return getattr(_current, "flag", None)


def set_current(flag):
    _current.flag = flag


def cancelled():
    """True if the running request was cancelled (with interrupt) or ran past its deadline."""
    flag = _flag()
    return flag is not None and flag.is_set()


def check_cancelled():
    """Raises Cancelled if the running request should stop."""
    if cancelled():
        raise Cancelled("the request was cancelled or ran past its deadline")


def sleep(seconds):
    """time.sleep that ends early, raising Cancelled, when the running request is cancelled."""
    flag = _flag()
    if flag is None:
        threading.Event().wait(seconds)
        return
    if flag.wait(seconds):
        raise Cancelled("the request was cancelled or ran past its deadline")
