"""A tiny stand-in for the procwire runtime: starts a Python worker over a pipe pair, a FIFO
pair or a Unix socket and exchanges frames with it, so the tests see exactly the bytes a real
runtime would."""
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
sys.path.insert(0, PYTHON_DIR)

try:
    import google.protobuf  # noqa: F401
except ImportError:
    raise SystemExit(f"the Python worker tests need an interpreter that can import google.protobuf, and "
                     f"{sys.executable} cannot: run them with /usr/bin/python3 (Debian: apt-get install "
                     "python3-protobuf protobuf-compiler)") from None

from procwire_worker import framing, payloads  # noqa: E402
from procwire_worker.protos import pb, vpb  # noqa: E402

TIMEOUT = 10.0
_counter = [0]


def value_payload(obj):
    return payloads.encode(obj)


def decoded(payload):
    return payloads.decode(payload)


class Worker:
    """One worker process and the runtime's ends of its connection."""

    def __init__(self, transport="pipe", modules=("worker_tasks",), env=None, worker_id="w-1",
                 token="t0ken-\u00e9", abstract=False, reading=True):
        self.transport = transport
        self.worker_id = worker_id
        self.token = token
        self.frames = queue.Queue()
        self.outputs = []            # Output frames seen by expect()
        self.stderr = b""
        self.stdout = b""            # fd 1 of a FIFO or socket worker: plain text
        self._tmp = tempfile.mkdtemp(prefix="procwire-py-")
        self._threads = []
        _counter[0] += 1
        child_env = dict(os.environ)
        child_env["PYTHONPATH"] = os.pathsep.join([PYTHON_DIR, HERE, child_env.get("PYTHONPATH", "")])
        child_env["PROCWIRE_WORKER_ID"] = worker_id
        if token is not None:
            child_env["PROCWIRE_TOKEN"] = token
        child_env["PROCWIRE_TRANSPORT"] = transport
        child_env.update(env or {})
        cmd = [sys.executable, "-m", "procwire_worker"]
        for m in modules:
            cmd += ["--module", m]
        if transport == "pipe":
            self.proc = subprocess.Popen(cmd, env=child_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, bufsize=0)
            self._in_fd, self._out_fd = self.proc.stdout.fileno(), self.proc.stdin.fileno()
        elif transport == "fifo":
            to_child, from_child = os.path.join(self._tmp, "to-child"), os.path.join(self._tmp, "from-child")
            os.mkfifo(to_child, 0o600)
            os.mkfifo(from_child, 0o600)
            child_env.update(PROCWIRE_FIFO_IN=to_child, PROCWIRE_FIFO_OUT=from_child)
            self.proc = subprocess.Popen(cmd, env=child_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, bufsize=0)
            # As the runtime does: both ends at once, on two threads, so the worker may open
            # its ends in either order.
            ends = {}
            openers = [threading.Thread(target=lambda: ends.__setitem__("in", os.open(from_child, os.O_RDONLY))),
                       threading.Thread(target=lambda: ends.__setitem__("out", os.open(to_child, os.O_WRONLY)))]
            for t in openers:
                t.daemon = True
                t.start()
            for t in openers:
                t.join(TIMEOUT)
            if len(ends) != 2:
                self.kill()
                raise AssertionError(f"worker did not open its FIFO ends; stderr: {self.proc.stderr.read()!r}")
            self._in_fd, self._out_fd = ends["in"], ends["out"]
            self._collect(self.proc.stdout, "stdout")
        elif transport == "unix":
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            if abstract:
                name = f"@procwire-test-{os.getpid()}-{_counter[0]}"
                server.bind("\0" + name[1:])
            else:
                name = os.path.join(self._tmp, "socket")
                server.bind(name)
            server.listen(1)
            server.settimeout(TIMEOUT)
            child_env["PROCWIRE_SOCKET"] = name
            self.proc = subprocess.Popen(cmd, env=child_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, bufsize=0)
            try:
                self._sock, _ = server.accept()
            except socket.timeout:
                self.kill()
                raise AssertionError(f"worker did not connect; stderr: {self.proc.stderr.read()!r}")
            finally:
                server.close()
            creds = self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            self.peer_pid = int.from_bytes(creds[:4], sys.byteorder)
            self._in_fd = self._out_fd = self._sock.fileno()
            self._collect(self.proc.stdout, "stdout")
        else:
            raise ValueError(transport)
        self._collect(self.proc.stderr, "stderr")
        self._reader = framing.FrameReader(self._in_fd, 1 << 30)
        if reading:  # otherwise the test reads (or deliberately does not read) with read_one()
            self._start(self._read)

    # ---- plumbing

    def _start(self, target):
        t = threading.Thread(target=target, daemon=True)
        self._threads.append(t)
        t.start()

    def _collect(self, stream, attr):
        def run():
            while True:
                data = stream.read(65536)
                if not data:
                    return
                setattr(self, attr, getattr(self, attr) + data)
        self._start(run)

    def _read(self):
        while True:
            try:
                body = self._reader.read_body()
            except Exception as e:  # noqa: B902 - a test failure to report, not to hide
                self.frames.put(e)
                return
            if body is None:
                self.frames.put(None)
                return
            frame = pb.Frame()
            frame.ParseFromString(body)
            self.frames.put(frame)

    def read_one(self):
        """One frame, read on the calling thread (for a Worker made with reading=False)."""
        body = self._reader.read_body()
        return None if body is None else pb.Frame.FromString(body)

    def send(self, frame):
        self.send_raw(framing.delimited(frame))

    def send_raw(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self._out_fd, view):]

    def close_input(self):
        """What the runtime's death looks like to the worker: end of its protocol input."""
        if self.transport == "unix":
            self._sock.shutdown(socket.SHUT_WR)
        elif self.transport == "pipe":
            self.proc.stdin.close()
        else:
            os.close(self._out_fd)
            self._out_fd = None

    # ---- reading frames

    def next(self, timeout=TIMEOUT):
        """The next frame of any kind; None at end of stream."""
        try:
            item = self.frames.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no frame from the worker within {timeout} s; stderr: {self.stderr!r}") from None
        if isinstance(item, Exception):
            raise AssertionError(f"bad frame stream from the worker: {item!r}")
        if item is None:
            self.frames.put(None)  # stays at end of stream
        return item

    def expect(self, kind, timeout=TIMEOUT):
        """The next frame that is not Output (those are kept in self.outputs); must be `kind`."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next(max(0.01, deadline - time.monotonic()))
            if frame is not None and frame.WhichOneof("body") == "output":
                self.outputs.append(frame.output)
                continue
            got = "end of stream" if frame is None else frame.WhichOneof("body")
            if got != kind:
                raise AssertionError(f"expected {kind}, got {got}: {frame}; stderr: {self.stderr!r}")
            return getattr(frame, kind) if frame is not None else None

    def output_text(self, stream):
        return b"".join(o.data for o in self.outputs if o.stream == stream).decode()

    def handshake(self, capabilities=("cancel", "heartbeat", "actors"), max_concurrent=0, heartbeat_ms=0,
                  max_frame=0):
        hello = self.expect("hello")
        self.send(pb.Frame(welcome=pb.Welcome(protocol_version=1, worker_name="py-1", runtime_pid=os.getpid(),
                                              capabilities=capabilities, max_concurrent_tasks=max_concurrent,
                                              heartbeat_interval_millis=heartbeat_ms, max_frame_bytes=max_frame)))
        return hello

    # ---- requests

    def submit(self, request_id, function, argument=None, deadline_ms=0, exit_when_done=False, payload=None):
        self.send(pb.Frame(submit=pb.Submit(request_id=request_id, function=function,
                                            argument=payload if payload is not None else value_payload(argument),
                                            deadline_millis=deadline_ms, exit_when_done=exit_when_done)))

    def call(self, function, argument=None, request_id=1):
        self.submit(request_id, function, argument)
        return self.answer(request_id)

    def answer(self, request_id, timeout=TIMEOUT):
        """The Result or Failure of `request_id` (other answers before it are an error)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next(max(0.01, deadline - time.monotonic()))
            if frame is None:
                raise AssertionError(f"end of stream before the answer to {request_id}; stderr: {self.stderr!r}")
            kind = frame.WhichOneof("body")
            if kind == "output":
                self.outputs.append(frame.output)
                continue
            if kind not in ("result", "failure") or getattr(frame, kind).request_id != request_id:
                raise AssertionError(f"expected the answer to {request_id}, got {frame}")
            return getattr(frame, kind)

    def answers(self, *request_ids, timeout=TIMEOUT):
        """The answers to `request_ids`, which may come in any order, by id."""
        got = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(request_ids):
            frame = self.next(max(0.01, deadline - time.monotonic()))
            kind = None if frame is None else frame.WhichOneof("body")
            if kind == "output":
                self.outputs.append(frame.output)
                continue
            if kind not in ("result", "failure") or getattr(frame, kind).request_id not in request_ids:
                raise AssertionError(f"expected answers to {request_ids}, got {frame}; stderr: {self.stderr!r}")
            got[getattr(frame, kind).request_id] = getattr(frame, kind)
        return got

    # ---- the process

    def wait_exit(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker still running after {timeout} s; stderr: {self.stderr!r}") from None

    def signal(self, signum=signal.SIGTERM):
        self.proc.send_signal(signum)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self):
        self.kill()
        # The threads that read the worker's streams must be gone before their descriptors are
        # closed: a descriptor number is reused at once, and a reader still running would then
        # steal the frames of the next test's worker.
        for t in self._threads:
            t.join(TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        if self.transport == "fifo":
            for fd in (self._in_fd, self._out_fd):
                if fd is None:
                    continue
                try:
                    os.close(fd)
                except OSError:
                    pass
        elif self.transport == "unix":
            self._sock.close()
        for name in os.listdir(self._tmp):
            os.unlink(os.path.join(self._tmp, name))
        os.rmdir(self._tmp)


__all__ = ["Worker", "pb", "vpb", "value_payload", "decoded", "TIMEOUT"]
