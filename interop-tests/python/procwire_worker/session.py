"""The worker's side of one procwire session (PROTOCOL.md §3-§11): handshake, the reading loop,
requests and their answers, cancel, deadlines, heartbeats, output, shutdown and exit."""
import os
import platform
import signal
import sys
import threading
import time

from google.protobuf.message import DecodeError

from . import errors, framing, payloads, registry
from .actors import ActorHost
from .context import Cancelled
from .output import CHUNK, Fd1Forwarder, FrameTextStream
from .protos import pb
from .tasks import Request, Runner, TaskInterrupted, Timers, call_user

MIN_VERSION = MAX_VERSION = 1
active = None  # the running Session, for test hooks (write_raw)
CAPABILITIES = ("cancel", "heartbeat", "actors")
BATCH_FUNCTION = "procwire.map"
BATCH_TYPE = "procwire.v1.Batch"
BATCH_RESULT_TYPE = "application/x-protobuf; type=procwire.v1.BatchResult"
WELCOME_TIMEOUT = 30.0           # seconds from Hello to Welcome, as the Java worker
DEFAULT_GRACE = 10.0             # a graceful Shutdown with grace_millis 0
EXIT_WORDS_TIMEOUT = 1.5         # the most an exit spends on its last output and ExitNotice
ENV_FAKE_VERSIONS = "PROCWIRE_TEST_ANNOUNCE_VERSIONS"  # test hook shared with the Java worker: "min..max"
REQUESTS = ("submit", "actor_create", "actor_ask", "actor_stop")


def _code(name):
    return pb.ErrorCode.Value(name)


class Session:
    def __init__(self, worker_id, token, max_in, diagnostics):
        self.worker_id = worker_id
        self._token = token
        self._max_in = max_in
        self._diag = diagnostics          # the real stderr (fd 2): the runtime captures it
        self.streams = None
        self._writer = None
        self.welcome = None
        self.agreed = ()
        self.closing = False
        self._hello_sent = False
        self._pending = {}                # request id -> Request
        self._pending_lock = threading.Lock()
        self._work = 0                    # requests and tells not done yet; a graceful Shutdown waits for 0
        self._work_cond = threading.Condition()
        self._output_lock = threading.Lock()
        self._early_output = []           # Output before Welcome (PROTOCOL.md §10.2)
        self._text_streams = []
        self._fd1 = None
        self._exit_lock = threading.Lock()
        self._last_frame = time.monotonic()
        self._runner = Runner(self._execute, self._internal_error)
        self._timers = Timers(self._internal_error)
        self._actors = ActorHost(self)
        self._versions = _announced_versions()

    # ---- set-up

    def capture_output(self, fd1_is_protocol):
        """Sends what user code prints as Output frames (see output.py)."""
        out = FrameTextStream(self.emit_output, pb.Output.STDOUT, "<procwire stdout>")
        err = FrameTextStream(self.emit_output, pb.Output.STDERR, "<procwire stderr>")
        self._text_streams = [out, err]
        sys.stdout, sys.stderr = out, err
        if fd1_is_protocol:
            self._fd1 = Fd1Forwarder(self.emit_output, pb.Output.STDOUT)

    def attach(self, streams):
        self.streams = streams
        self._writer = framing.FrameWriter(streams.out_fd)

    def install_signal_handlers(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        # PROTOCOL.md §10.4: say that a signal ended us, so the runtime reports -signum. The
        # handler runs on the reading thread, which may hold a lock that exiting needs (in the
        # middle of a write): exit on another thread and let this one go on.
        threading.Thread(target=self.exit, args=(128 + signum, signum, f"terminated by {signal.Signals(signum).name}"),
                         name="procwire-signal-exit", daemon=True).start()

    # ---- the session

    def run(self):
        """Handshake, then the reading loop; ends only by exiting the process."""
        self.send(pb.Frame(hello=pb.Hello(
            protocol_version=self._versions[1], min_protocol_version=self._versions[0],
            worker_id=self.worker_id, pid=os.getpid(), language="python",
            runtime=f"{platform.python_implementation()} {platform.python_version()}",
            capabilities=CAPABILITIES, auth_token=self._token.encode("utf-8"))))
        self._hello_sent = True
        threading.Thread(target=self._watchdog, name="procwire-watchdog", daemon=True).start()
        reader = framing.FrameReader(self.streams.in_fd, self._max_in)
        while True:
            try:
                body = reader.read_body()
            except framing.Truncated as e:
                self._gone(f"connection to the runtime broke: {e}", 3)
            except framing.FramingError as e:
                self.violation(e.code_name, str(e))
            except OSError as e:
                self._gone(f"cannot read from the runtime: {e}", 3)
            if body is None:
                self._gone(None, 0)
            self._last_frame = time.monotonic()
            frame = pb.Frame()
            try:
                frame.ParseFromString(body)
            except DecodeError as e:
                self.violation("PROTOCOL_VIOLATION", f"a frame of {len(body)} bytes is not a procwire.v1.Frame: {e}")
            kind = frame.WhichOneof("body")
            if kind is None:
                if not body:
                    self.violation("PROTOCOL_VIOLATION", "a frame with no body")
                if self.welcome is None:
                    self.violation("UNKNOWN_FRAME", "a frame with an unknown body before the session was open")
                self.log("ignored a frame with a body this worker does not know")
            elif self.welcome is None:
                self._handshake(frame, kind)
            else:
                self._dispatch(frame, kind)

    def _handshake(self, frame, kind):
        if kind == "protocol_error":
            e = frame.protocol_error
            self._diag_line(f"the runtime refused the session: {pb.ErrorCode.Name(e.code)}: {e.message}")
            self.exit(2, notice=False)  # before Welcome the worker may send nothing more
        if kind != "welcome":
            self.violation("PROTOCOL_VIOLATION", f"expected Welcome as the runtime's first frame, got {kind}")
        w = frame.welcome
        lo, hi = self._versions
        if not lo <= w.protocol_version <= hi:
            self.violation("VERSION_MISMATCH", f"runtime chose protocol {w.protocol_version}, "
                                               f"worker speaks {lo}..{hi}")
        self._writer.max_bytes = min(w.max_frame_bytes or framing.DEFAULT_MAX_FRAME, framing.MAX_ALLOWED_FRAME)
        self._runner.limit = w.max_concurrent_tasks
        self.agreed = tuple(c for c in w.capabilities if c in CAPABILITIES)
        with self._output_lock:
            self.welcome = w
            early, self._early_output = self._early_output, []
            for stream, data in early:
                self._send_output(stream, data)

    def _dispatch(self, frame, kind):
        if kind in REQUESTS:
            req = self._register(kind, getattr(frame, kind))
            if kind == "submit":
                self._submit(req)
            else:
                getattr(self._actors, kind[len("actor_"):])(req)
        elif kind == "actor_tell":
            self._actors.tell(frame.actor_tell)
        elif kind == "cancel":
            self._cancel(frame.cancel)
        elif kind == "heartbeat":
            if not frame.heartbeat.echo:  # echoes of our own probes would be ignored; we send none
                self.send(pb.Frame(heartbeat=pb.Heartbeat(sequence=frame.heartbeat.sequence, echo=True)))
        elif kind == "shutdown":
            self._shutdown(frame.shutdown)
        elif kind == "protocol_error":
            e = frame.protocol_error
            self._diag_line(f"the runtime closed the session: {pb.ErrorCode.Name(e.code)}: {e.message}")
            self.exit(2, reason="ProtocolError from the runtime")
        elif kind == "welcome":
            self.violation("PROTOCOL_VIOLATION", "a second Welcome")
        else:  # hello, result, failure, output, exit_notice
            self.violation("PROTOCOL_VIOLATION", f"unexpected {kind} frame from the runtime")

    def _register(self, kind, body):
        rid = body.request_id
        if rid == 0:
            self.violation("PROTOCOL_VIOLATION", f"{kind} with request id 0")
        req = Request(rid, kind, body)
        with self._pending_lock:
            if rid in self._pending:
                self.violation("PROTOCOL_VIOLATION", f"{kind} with request id {rid}, which is still pending")
            self._pending[rid] = req
        self.work_started()
        return req

    # ---- tasks

    def _submit(self, req):
        s = req.body
        if self.closing:
            self.fail_shutting_down(req)
            return
        if s.deadline_millis:
            self._timers.at(time.monotonic() + s.deadline_millis / 1000.0, lambda: self._deadline(req))
        self._runner.submit(req)

    def _execute(self, req):
        """Runs one Submit on this thread and answers it (unless a cancel or deadline did)."""
        if not req.try_start():
            return
        s = req.body
        value = error = None
        try:
            if s.function == BATCH_FUNCTION:
                value = self._batch(req)
            else:
                fn = self._function(s.function)
                argument = payloads.decode(s.argument)
                value = payloads.encode(call_user(req, fn, argument))
        except _NotFound as e:
            error = errors.plain(pb.NOT_FOUND, "FunctionNotFound", str(e), self.worker_id)
        except payloads.BadPayload as e:
            error = errors.from_exception(pb.BAD_PAYLOAD, e, self.worker_id)
        except (TaskInterrupted, Cancelled) as e:
            error = None if req.ended_by else errors.from_exception(pb.TASK_FAILED, e, self.worker_id)
        except BaseException as e:  # noqa: B902 - whatever user code raises is a task failure
            error = errors.from_exception(pb.TASK_FAILED, e, self.worker_id)
        if req.ended_by == "CANCELLED" or (req.ended_by and value is None):
            value, error = None, self._ended(req)  # a cancel that came first wins (PROTOCOL.md §6)
        if error is not None and s.exit_when_done and not req.answered:
            # As Python's multiprocessing.Process does: the traceback on the child's stderr.
            self._diag_line(f"Process {self.welcome.worker_name}:\n"
                            + (error.stack_trace or f"{error.type}: {error.message}\n").rstrip("\n"))
        sent_result = self.succeed(req, value) if error is None else self.fail(req, error)
        if s.exit_when_done:
            self.exit(0 if sent_result else 1, reason="exit_when_done")

    def _function(self, name):
        fn = registry.lookup_function(name)
        if fn is None:
            raise _NotFound(f"no function named {name!r} is registered in worker {self.worker_id}")
        return fn

    def _batch(self, req):
        """procwire.map (PROTOCOL.md §5.2): one Outcome per argument, in order."""
        arg = req.body.argument
        base, params = payloads.media_type(arg.content_type)
        if base != payloads.PROTOBUF or params.get("type") != BATCH_TYPE:
            raise payloads.BadPayload(f"{BATCH_FUNCTION} needs an argument of type "
                                      f"{payloads.PROTOBUF}; type={BATCH_TYPE}, got {arg.content_type!r}")
        batch = pb.Batch()
        try:
            batch.ParseFromString(arg.data)
        except DecodeError as e:
            raise payloads.BadPayload(f"bad {BATCH_FUNCTION} argument: {e}") from None
        fn = self._function(batch.function)
        result = pb.BatchResult()
        for argument in batch.arguments:
            if req.ended_by:
                raise TaskInterrupted("batch ended early")
            outcome = result.outcomes.add()
            try:
                outcome.value.CopyFrom(payloads.encode(call_user(req, fn, payloads.decode(argument))))
            except TaskInterrupted:
                raise
            except payloads.BadPayload as e:
                outcome.error.CopyFrom(errors.from_exception(pb.BAD_PAYLOAD, e, self.worker_id))
            except BaseException as e:  # noqa: B902
                if req.ended_by:
                    raise TaskInterrupted("batch ended early") from e
                outcome.error.CopyFrom(errors.from_exception(pb.TASK_FAILED, e, self.worker_id))
        return pb.Payload(content_type=BATCH_RESULT_TYPE, data=result.SerializeToString())

    def _ended(self, req):
        if req.ended_by == "CANCELLED":
            return errors.plain(pb.CANCELLED, "Cancelled", "cancelled", self.worker_id,
                                retryable=not req.started)
        return errors.plain(pb.DEADLINE_EXCEEDED, "DeadlineExceeded",
                            f"ran past its deadline of {req.body.deadline_millis} ms", self.worker_id)

    def _cancel(self, cancel):
        with self._pending_lock:
            req = self._pending.get(cancel.request_id)
        if req is None or req.kind in ("actor_create", "actor_stop"):
            return  # answered already, unknown, or treated as started on receipt: ignored
        if req.kind == "actor_ask":
            interrupt = False  # an actor's state must not be torn by an exception mid-handler
        else:
            interrupt = cancel.interrupt
        if not req.end("CANCELLED", interrupt):  # not started: dropped and answered here
            self._runner.unqueue(req)
            self.fail(req, self._ended(req))

    def _deadline(self, req):
        if req.end("DEADLINE_EXCEEDED", True) and req.answered:
            return
        self._runner.unqueue(req)
        # PROTOCOL.md §7: answer promptly even if the task cannot be stopped; its later outcome
        # is discarded because the answer is claimed here.
        self.fail(req, self._ended(req))

    # ---- answers

    def succeed(self, req, value):
        """Answers with a Result of `value` (a Payload, or a Python value to encode); returns
        True if that Result was sent."""
        if not isinstance(value, pb.Payload):
            try:
                value = payloads.encode(value)
            except payloads.BadPayload as e:
                return self.fail(req, errors.from_exception(pb.BAD_PAYLOAD, e, self.worker_id))
        frame = pb.Frame(result=pb.Result(request_id=req.id, value=value))
        size = frame.ByteSize()
        if size > self._writer.max_bytes:
            self.fail(req, errors.plain(pb.FRAME_TOO_LARGE, "FrameTooLarge",
                                        f"the answer of {size} bytes exceeds the runtime's maximum frame size "
                                        f"of {self._writer.max_bytes} bytes", self.worker_id))
            return False
        return self._answer(req, frame)

    def fail(self, req, error):
        frame = pb.Frame(failure=pb.Failure(request_id=req.id, error=error))
        if frame.ByteSize() > self._writer.max_bytes:
            # A huge traceback (deep recursion) must not cost the answer: keep what fits.
            error.ClearField("cause")
            error.stack_trace = "(stack trace left out: too large for the runtime's maximum frame size)"
            error.message = error.message[:max(0, self._writer.max_bytes // 2)]
            frame = pb.Frame(failure=pb.Failure(request_id=req.id, error=error))
        self._answer(req, frame)
        return False

    def fail_shutting_down(self, req):
        self.fail(req, errors.plain(pb.SHUTTING_DOWN, "ShuttingDown", f"worker {self.worker_id} is shutting down",
                                    self.worker_id, retryable=True))

    def _answer(self, req, frame):
        if not req.claim_answer():
            return False
        with self._pending_lock:
            self._pending.pop(req.id, None)  # before sending: the runtime may reuse the id once answered
        try:
            self.flush_output()  # the task's output before its answer (PROTOCOL.md §10.2)
            self.send(frame)
        finally:
            self.work_done()
        return True

    # ---- work accounting, for a graceful Shutdown

    def work_started(self):
        with self._work_cond:
            self._work += 1

    def work_done(self):
        with self._work_cond:
            self._work -= 1
            self._work_cond.notify_all()

    def _shutdown(self, sd):
        if not sd.graceful:
            self.exit(0, reason=f"Shutdown: {sd.reason}" if sd.reason else "Shutdown")
        if self.closing:
            return  # a repeated graceful Shutdown is ignored
        self.closing = True
        grace = sd.grace_millis / 1000.0 if sd.grace_millis else DEFAULT_GRACE
        # Leave a little of the grace period to send ExitNotice before the runtime's SIGKILL.
        deadline = time.monotonic() + max(grace - min(0.2, grace / 10), 0)

        def drain():
            with self._work_cond:
                while self._work > 0 and time.monotonic() < deadline:
                    self._work_cond.wait(deadline - time.monotonic())
            self.exit(0, reason=f"Shutdown: {sd.reason}" if sd.reason else "Shutdown")
        threading.Thread(target=drain, name="procwire-shutdown", daemon=True).start()

    # ---- output and sending

    def emit_output(self, stream, data):
        with self._output_lock:
            if self.welcome is None:
                self._early_output.append((stream, data))
                return
            self._send_output(stream, data)

    def _send_output(self, stream, data):
        # Chunks stay below the runtime's maximum frame size, whatever it is (PROTOCOL.md §10.2).
        chunk = max(1, min(CHUNK, self._writer.max_bytes - 16))
        for i in range(0, len(data), chunk):
            self.send(pb.Frame(output=pb.Output(stream=stream, data=data[i:i + chunk])))

    def flush_output(self):
        for s in self._text_streams:
            s.flush()

    def log(self, line):
        """One line on the runtime's log (an Output on stream LOG)."""
        self.emit_output(pb.Output.LOG, f"procwire worker {self.worker_id}: {line}\n".encode("utf-8"))

    def _internal_error(self, text):
        self._diag_line(f"internal error: {text}")
        self.log(f"internal error: {text}")

    def _diag_line(self, text):
        try:
            self._diag.write(f"procwire worker {self.worker_id}: {text}\n")
            self._diag.flush()
        except (OSError, ValueError):
            pass

    def send(self, frame, timeout=-1, last=False):
        """Writes a frame. A broken output means the runtime is gone: exit (PROTOCOL.md §10.5)."""
        try:
            return self._writer.write(frame, timeout, last)
        except OSError as e:
            if not self._exit_lock.locked():
                # On another thread: this one may hold locks that exiting takes.
                threading.Thread(target=self._gone, args=(f"cannot write to the runtime: {e}", 3),
                                 daemon=True).start()
            return False

    def write_raw(self, data):
        """Test hook: writes bytes that are not a frame onto the protocol output."""
        self._writer.write_raw(data)

    # ---- ending

    def violation(self, code_name, message):
        """PROTOCOL.md §11.3: ProtocolError, then ExitNotice with a non-zero status, then exit.
        Never returns."""
        self._diag_line(f"closing the session: {code_name}: {message}")
        self.send(pb.Frame(protocol_error=pb.ProtocolError(code=_code(code_name), message=message)))
        self.exit(2, reason=f"{code_name}: {message}", notice=self.welcome is not None)

    def _gone(self, why, status):
        """The runtime is gone (end of input, broken stream): exit at once, without waiting for
        running tasks. Never returns."""
        if why:
            self._diag_line(why)
        self.exit(status, reason=why or "end of input: the runtime is gone")

    def _watchdog(self):
        """Exits if the Welcome does not come, the runtime process is gone, or heartbeats stop."""
        started = time.monotonic()
        while True:
            time.sleep(0.25)
            w = self.welcome
            if w is None:
                if time.monotonic() - started > WELCOME_TIMEOUT:
                    self._diag_line(f"no Welcome from the runtime within {WELCOME_TIMEOUT:.0f} s")
                    self.exit(2, notice=False)
                continue
            if w.runtime_pid > 0 and not _alive(w.runtime_pid):
                self._gone(f"the runtime process {w.runtime_pid} is gone", 3)
            if "heartbeat" in self.agreed and w.heartbeat_interval_millis:
                silence = time.monotonic() - self._last_frame
                if silence > 3 * w.heartbeat_interval_millis / 1000.0:
                    self._gone(f"no frame from the runtime for {silence:.1f} s (3 heartbeat intervals)", 3)

    def exit(self, status, signal_number=0, reason="", notice=True):
        """Sends ExitNotice as the last frame, closes the protocol output and exits the process
        with `status`, without waiting for running tasks. Never returns."""
        if not self._exit_lock.acquire(blocking=False):
            threading.Event().wait()  # another thread is exiting; it ends the process

        def last_words():
            try:
                self.flush_output()
                if self._fd1 is not None:
                    self._fd1.drain()
            except (OSError, ValueError):
                pass
            if notice and self.welcome is not None:
                self.send(pb.Frame(exit_notice=pb.ExitNotice(exit_code=status, signal=signal_number,
                                                             reason=reason)), timeout=1.0, last=True)
            self.streams.close_output()

        try:
            if self._hello_sent and self._writer is not None:
                # On a thread of its own and bounded: a runtime that stopped reading leaves
                # writers blocked, and must not keep us alive (PROTOCOL.md §10.5).
                t = threading.Thread(target=last_words, name="procwire-exit", daemon=True)
                t.start()
                t.join(EXIT_WORDS_TIMEOUT)
        finally:
            os._exit(status)


def _announced_versions():
    fake = os.environ.get(ENV_FAKE_VERSIONS)
    if fake is None:
        return MIN_VERSION, MAX_VERSION
    lo, sep, hi = fake.partition("..")
    if not (sep and lo.isdigit() and hi.isdigit()):
        raise ValueError(f"{ENV_FAKE_VERSIONS}={fake!r} is not of the form min..max, e.g. 2..3")
    return int(lo), int(hi)


class _NotFound(Exception):
    pass


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
