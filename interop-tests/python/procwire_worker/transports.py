"""The three ways a worker reaches its runtime, chosen by PROCWIRE_TRANSPORT (PROTOCOL.md §13):

  pipe (or unset)  frames on stdin/stdout
  fifo             frames in from the FIFO PROCWIRE_FIFO_IN, out to the FIFO PROCWIRE_FIFO_OUT
  unix             frames both ways on a Unix stream socket connected to PROCWIRE_SOCKET
                   (a leading "@" names the Linux abstract namespace)

Every descriptor opened here is close-on-exec (Python's default), so processes that user code
starts never hold the protocol streams.
"""
import os
import socket


class TransportError(Exception):
    """The environment names a transport that cannot be opened; the message says why."""


class Streams:
    """The protocol input and output descriptors of one connection."""

    def __init__(self, kind, in_fd, out_fd, close_output, describe):
        self.kind = kind
        self.in_fd = in_fd
        self.out_fd = out_fd
        self._close_output = close_output
        self.describe = describe
        # In pipe mode fd 1 was the protocol output: the worker must keep it free of anything
        # but frames, so it is replaced (see output.py). FIFO and socket workers keep fd 1.
        self.owns_fd1 = kind == "pipe"

    def close_output(self):
        try:
            self._close_output()
        except OSError:
            pass


def _require(env, name, transport):
    value = env.get(name)
    if not value:
        raise TransportError(f"PROCWIRE_TRANSPORT={transport} needs the environment variable {name}")
    return value


def _pipe():
    in_fd, out_fd = os.dup(0), os.dup(1)
    # User code must not read our frames from fd 0 either.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return Streams("pipe", in_fd, out_fd, lambda: os.close(out_fd), "stdin/stdout")


def _fifo(env):
    path_in = _require(env, "PROCWIRE_FIFO_IN", "fifo")
    path_out = _require(env, "PROCWIRE_FIFO_OUT", "fifo")
    # Plain blocking opens: each returns once the runtime has opened its end, and the runtime
    # opens both of its ends at once, so the order here does not matter.
    try:
        in_fd = os.open(path_in, os.O_RDONLY)
    except OSError as e:
        raise TransportError(f"cannot open PROCWIRE_FIFO_IN {path_in!r} for reading: {e.strerror}") from e
    try:
        out_fd = os.open(path_out, os.O_WRONLY)
    except OSError as e:
        raise TransportError(f"cannot open PROCWIRE_FIFO_OUT {path_out!r} for writing: {e.strerror}") from e
    return Streams("fifo", in_fd, out_fd, lambda: os.close(out_fd), f"FIFOs {path_in} and {path_out}")


def socket_address(path):
    """The address to connect to: "@name" is "\\0name" in the abstract namespace."""
    return "\0" + path[1:] if path.startswith("@") else path


def _unix(env):
    path = _require(env, "PROCWIRE_SOCKET", "unix")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(socket_address(path))
    except OSError as e:
        sock.close()
        raise TransportError(f"cannot connect to Unix socket PROCWIRE_SOCKET {path!r}: {e.strerror or e}") from e

    def close_output():
        sock.shutdown(socket.SHUT_WR)  # the runtime reads end of stream; our reads go on
    fd = sock.fileno()
    streams = Streams("unix", fd, fd, close_output, f"Unix socket {path}")
    streams.socket = sock  # keeps the socket object, and so the descriptor, alive
    return streams


def open_streams(env):
    kind = env.get("PROCWIRE_TRANSPORT") or "pipe"
    if kind == "pipe":
        return _pipe()
    if kind == "fifo":
        return _fifo(env)
    if kind == "unix":
        return _unix(env)
    raise TransportError(f"PROCWIRE_TRANSPORT={kind!r} is not one of pipe, fifo, unix")
