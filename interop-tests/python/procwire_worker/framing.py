"""Frames on a byte stream: a varint32 length prefix, then a serialized procwire.v1.Frame
(PROTOCOL.md §2). The reader checks the declared length before it reads the body."""
import io
import os
import threading

DEFAULT_MAX_FRAME = 64 << 20
MAX_ALLOWED_FRAME = (1 << 31) - 1


class FramingError(Exception):
    """The input broke the framing rules; `code_name` is the ErrorCode to close with."""

    def __init__(self, code_name, message):
        super().__init__(message)
        self.code_name = code_name


class Truncated(Exception):
    """End of stream inside a frame: the peer died (treated like a clean end of stream)."""


def encode_varint(n):
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def delimited(message):
    """`message` as prefix + body, the writeDelimitedTo format."""
    body = message.SerializeToString()
    return encode_varint(len(body)) + body


class FrameReader:
    """Reads length-prefixed bodies from a file descriptor. Not thread safe: one reader."""

    def __init__(self, fd, max_bytes=DEFAULT_MAX_FRAME):
        # Buffered, so reading the prefix byte by byte costs no system call per byte.
        self._in = io.BufferedReader(io.FileIO(fd, "rb", closefd=False), buffer_size=64 * 1024)
        self.max_bytes = max_bytes

    def read_body(self):
        """The next frame's body bytes, or None at a clean end of stream."""
        n = shift = 0
        for i in range(5):
            c = self._in.read(1)
            if not c:
                if i == 0:
                    return None
                raise Truncated("end of stream inside a length prefix")
            n |= (c[0] & 0x7F) << shift
            shift += 7
            if c[0] < 0x80:
                break
        else:
            raise FramingError("PROTOCOL_VIOLATION", "length prefix longer than 5 bytes")
        if n > self.max_bytes:
            # Never read (or allocate) the body of a frame above our maximum.
            raise FramingError("FRAME_TOO_LARGE", f"frame of {n} bytes exceeds the maximum of {self.max_bytes} bytes")
        body = self._in.read(n) if n else b""
        if len(body) != n:
            raise Truncated(f"end of stream after {len(body)} of {n} body bytes")
        return body


class FrameWriter:
    """Writes whole frames under one lock, so frames from several threads never interleave."""

    def __init__(self, fd):
        self._fd = fd
        self._lock = threading.Lock()
        self._sealed = False
        self.max_bytes = DEFAULT_MAX_FRAME  # the runtime's maximum, set from Welcome

    def write(self, frame, timeout=-1, last=False):
        """Writes one frame; raises OSError if the stream is broken. Returns False, writing
        nothing, if the lock could not be taken within `timeout` seconds or the last frame was
        written already. `last` marks ExitNotice: nothing may follow it (PROTOCOL.md §10.4),
        even from threads that were still sending output when the worker began to exit."""
        data = delimited(frame)
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            if self._sealed:
                return False
            self._sealed = last
            self._write_all(data)
        finally:
            self._lock.release()
        return True

    def write_raw(self, data):
        """Writes bytes that are not a frame. Only for tests of a misbehaving worker."""
        with self._lock:
            self._write_all(data)

    def _write_all(self, data):
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
