"""User output as Output frames (PROTOCOL.md §10.2).

sys.stdout and sys.stderr become text streams whose bytes go to the runtime as Output frames
on STDOUT and STDERR. In pipe mode fd 1 was the protocol output, so it is pointed at a pipe
whose bytes a thread forwards as STDOUT too: what C code or child processes write to fd 1
reaches the runtime as output instead of corrupting the frame stream.
"""
import io
import os
import threading

CHUNK = 64 * 1024  # well below any maximum frame size


class FrameTextStream(io.TextIOBase):
    """A text stream that sends what is written as Output frames on one stream.

    Text is collected until a line ends (or CHUNK bytes) so that a print() makes one frame,
    not one per argument; flush() sends the rest. The session flushes before every answer so a
    task's output arrives before its result."""

    def __init__(self, emit, stream, name):
        super().__init__()
        self._emit = emit  # emit(stream, bytes)
        self._stream = stream
        self._name = name
        self._lock = threading.Lock()
        self._pending = []
        self._size = 0

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "backslashreplace"

    @property
    def name(self):
        return self._name

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        data = s.encode("utf-8", "backslashreplace")
        with self._lock:
            self._pending.append(data)
            self._size += len(data)
            ready = b"\n" in data or self._size >= CHUNK
        if ready:
            self.flush()
        return len(s)

    @property
    def buffer(self):
        """Bytes written here (sys.stdout.buffer.write) join the same stream, in order."""
        return _BinaryView(self)

    def write_bytes(self, data):
        with self._lock:
            self._pending.append(bytes(data))
            self._size += len(data)
        self.flush()
        return len(data)

    def flush(self):
        with self._lock:
            data = b"".join(self._pending)
            self._pending.clear()
            self._size = 0
            if data:
                # Under the lock, so two flushes cannot reorder the bytes of one stream.
                self._emit(self._stream, data)


class _BinaryView(io.RawIOBase):
    def __init__(self, text):
        super().__init__()
        self._text = text

    def writable(self):
        return True

    def write(self, data):
        return self._text.write_bytes(data)

    def flush(self):
        self._text.flush()


class Fd1Forwarder:
    """Points fd 1 at a pipe and forwards what arrives there as STDOUT output."""

    def __init__(self, emit, stream):
        self._emit = emit
        self._stream = stream
        self._read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)  # fd 1 stays inheritable, so child processes' output comes here too
        os.close(write_fd)
        self._thread = threading.Thread(target=self._run, name="procwire-fd1", daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            try:
                data = os.read(self._read_fd, CHUNK)
            except OSError:
                return
            if not data:
                return
            self._emit(self._stream, data)

    def drain(self, timeout=0.2):
        """At exit: forwards what is still in the pipe (best effort, bounded)."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)  # our write end closes; the reader sees end of stream once children let go
        os.close(devnull)
        self._thread.join(timeout)
