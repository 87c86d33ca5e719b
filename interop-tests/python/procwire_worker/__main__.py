"""python3 -m procwire_worker --module MOD [--module MOD2 ...] [--worker-id ID]

Starts a procwire worker (protocol v1) that can run what the given modules register. The
transport and the session's parameters come from the environment (PROTOCOL.md §13).
Exit statuses of its own: 1 a module failed to import, 2 bad configuration or a broken
protocol, 3 the connection to the runtime broke; otherwise what ExitNotice says.
"""
import argparse
import importlib
import os
import sys
import traceback


def _fail(status, message):
    sys.stderr.write(f"procwire worker: {message}\n")
    sys.stderr.flush()
    sys.exit(status)


def _max_frame(env):
    from .framing import DEFAULT_MAX_FRAME, MAX_ALLOWED_FRAME
    raw = env.get("PROCWIRE_MAX_FRAME")
    if raw is None:
        return DEFAULT_MAX_FRAME
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ALLOWED_FRAME:
        _fail(2, f"PROCWIRE_MAX_FRAME={raw!r} is not a byte count between 1 and {MAX_ALLOWED_FRAME}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m procwire_worker",
                                     description="A procwire worker that runs Python functions and actors.")
    parser.add_argument("--module", action="append", default=[], metavar="MOD",
                        help="a module to import; it registers functions and actors (repeatable)")
    parser.add_argument("--worker-id", help="the worker id (default: PROCWIRE_WORKER_ID)")
    args = parser.parse_args(argv)
    env = os.environ
    worker_id = args.worker_id or env.get("PROCWIRE_WORKER_ID")
    if not worker_id:
        _fail(2, "no worker id: PROCWIRE_WORKER_ID is not set (this program is started by a procwire runtime)")
    max_in = _max_frame(env)
    # User code must not see the one-time token (PROTOCOL.md §13).
    token = env.pop("PROCWIRE_TOKEN", "")

    try:
        from . import session as session_module
        from . import transports
    except Exception as e:  # noqa: B902 - e.g. no google.protobuf, no protoc: say so and stop
        _fail(2, f"cannot start: {e}")

    try:
        session = session_module.Session(worker_id, token, max_in, sys.__stderr__)
    except ValueError as e:
        _fail(2, str(e))
    session_module.active = session
    streams = None
    try:
        if env.get("PROCWIRE_TRANSPORT", "pipe") in ("", "pipe"):
            # Before user code runs: from here on nothing but frames reaches the protocol output.
            streams = transports.open_streams(env)
        session.capture_output(fd1_is_protocol=streams is not None)
        session.install_signal_handlers()
    except transports.TransportError as e:
        _fail(2, str(e))

    # Modules first, so a module that cannot be imported fails the start with its traceback on
    # stderr, and so that connecting (FIFO, socket) is followed at once by Hello.
    for name in args.module:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: B902
            sys.__stderr__.write(f"procwire worker {worker_id}: cannot import module {name!r}:\n"
                                 + traceback.format_exc())
            sys.__stderr__.flush()
            os._exit(1)
    if streams is None:
        try:
            streams = transports.open_streams(env)
        except transports.TransportError as e:
            sys.__stderr__.write(f"procwire worker {worker_id}: {e}\n")
            sys.__stderr__.flush()
            os._exit(2)
    session.attach(streams)
    session.run()


if __name__ == "__main__":
    main()
