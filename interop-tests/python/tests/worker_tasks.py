"""Functions and actors the tests (and later the Java interop tests) run in a Python worker:
python3 -m procwire_worker --module worker_tasks, with this folder on PYTHONPATH."""
import os
import sys

import procwire_worker
from procwire_worker import session


@procwire_worker.function("square")
def square(x):
    return x * x


@procwire_worker.function("echo")
def echo(x):
    return x


@procwire_worker.function("pid")
def pid(_):
    return os.getpid()


@procwire_worker.function("getenv")
def getenv(name):
    return os.environ.get(name)


@procwire_worker.function("add")
def add(numbers):
    print(f"adding {' and '.join(str(n) for n in numbers)}")
    return sum(numbers)


@procwire_worker.function("reciprocal")
def reciprocal(x):
    return 1 / x


@procwire_worker.function("fail")
def fail(message):
    try:
        {}["missing"]
    except KeyError as e:
        raise ValueError(message) from e


@procwire_worker.function("slow")
def slow(seconds):
    procwire_worker.sleep(seconds)  # returns early, raising Cancelled, when cancelled
    return "slept"


@procwire_worker.function("spin")
def spin(_):
    # Never looks at the cancel flag: only the worker's thread interrupt can stop it.
    n = 0
    while True:
        n += 1


@procwire_worker.function("print_both")
def print_both(text):
    print(text)
    print(text.upper(), file=sys.stderr)
    return len(text)


@procwire_worker.function("print_long")
def print_long(n):
    sys.stdout.buffer.write(b"<")  # the binary side of sys.stdout joins the same stream
    print("x" * n)
    return n


@procwire_worker.function("write_fd1")
def write_fd1(text):
    # What C code or a child process would do: write to fd 1 directly.
    os.write(1, text.encode() + b"\n")
    return None


@procwire_worker.function("garbage")
def garbage(_):
    # A worker that breaks the protocol: bytes that are no frame, on the protocol stream.
    session.active.write_raw(b"\xff\xff\xff\xff\xff\xff\xff garbage")
    return None


@procwire_worker.function("blob")
def blob(size):
    return b"x" * size


@procwire_worker.function("as_text")
def as_text(s):
    return procwire_worker.text(s)


@procwire_worker.function("as_octets")
def as_octets(b):
    return procwire_worker.octet_stream(b)


@procwire_worker.function("unsendable")
def unsendable(_):
    return object()


@procwire_worker.actor("recorder")
class Recorder:
    """Keeps every message told or asked, in order; asking "get" returns them."""

    def __init__(self, first):
        self.seen = [] if first is None else [first]

    def receive(self, message):
        if message == "get":
            return list(self.seen)
        if message == "boom":
            raise RuntimeError("recorder exploded")
        if isinstance(message, dict) and "sleep" in message:
            procwire_worker.sleep(message["sleep"])  # keeps the mailbox busy
            return "slept"
        self.seen.append(message)
        return len(self.seen)

    def stopped(self):
        print(f"recorder stopped after {len(self.seen)} messages")


@procwire_worker.actor("broken")
class Broken:
    def __init__(self, _):
        raise OSError("cannot build this actor")

    def receive(self, message):
        return message
