"""The Python worker as a real subprocess, driven frame by frame over each transport."""
import os
import signal
import time
import unittest

from driver import TIMEOUT, Worker, decoded, pb, value_payload


class WorkerBehaviour:
    """Test bodies shared by all transports; subclasses set TRANSPORT."""
    TRANSPORT = None
    ABSTRACT = False

    def start(self, **kwargs):
        kwargs.setdefault("abstract", self.ABSTRACT)
        w = Worker(self.TRANSPORT, **kwargs)
        self.addCleanup(w.close)
        return w

    def open(self, **welcome):
        w = self.start()
        w.handshake(**welcome)
        return w

    # ---- handshake

    def test_hello_names_the_worker_and_its_capabilities(self):
        w = self.start(worker_id="w-42")
        hello = w.expect("hello")
        self.assertEqual(1, hello.protocol_version)
        self.assertEqual(1, hello.min_protocol_version)
        self.assertEqual("w-42", hello.worker_id)
        self.assertEqual(w.proc.pid, hello.pid)
        self.assertEqual("python", hello.language)
        self.assertRegex(hello.runtime, r"^\w+ 3\.\d+")
        self.assertEqual(["cancel", "heartbeat", "actors"], list(hello.capabilities))
        self.assertEqual(w.token.encode("utf-8"), hello.auth_token)

    def test_user_code_does_not_see_the_token(self):
        w = self.open()
        self.assertIsNone(decoded(w.call("getenv", "PROCWIRE_TOKEN").value))
        self.assertEqual("w-1", decoded(w.call("getenv", "PROCWIRE_WORKER_ID", request_id=2).value))

    def test_welcome_with_a_version_outside_the_range_is_refused(self):
        w = self.start()
        w.expect("hello")
        w.send(pb.Frame(welcome=pb.Welcome(protocol_version=2, worker_name="py-1")))
        error = w.expect("protocol_error")
        self.assertEqual(pb.VERSION_MISMATCH, error.code)
        self.assertIn("worker speaks 1..1", error.message)
        self.assertEqual(2, w.wait_exit())

    def test_runtime_refusal_ends_the_worker(self):
        w = self.start()
        w.expect("hello")
        w.send(pb.Frame(protocol_error=pb.ProtocolError(code=pb.UNAUTHENTICATED, message="bad token")))
        self.assertIsNone(w.next())  # no ExitNotice: before Welcome a worker sends nothing more
        self.assertEqual(2, w.wait_exit())
        self.assertIn(b"UNAUTHENTICATED: bad token", w.stderr)

    def test_announced_versions_can_be_faked_for_mismatch_tests(self):
        w = self.start(env={"PROCWIRE_TEST_ANNOUNCE_VERSIONS": "2..3"})
        hello = w.expect("hello")
        self.assertEqual((2, 3), (hello.min_protocol_version, hello.protocol_version))

    # ---- functions

    def test_function_call(self):
        w = self.open()
        result = w.call("square", 7)
        self.assertEqual("application/x-procwire-value", result.value.content_type)
        self.assertEqual(49, decoded(result.value))

    def test_values_of_every_kind_round_trip(self):
        w = self.open()
        value = {"none": None, "bool": True, "int": -(2 ** 40), "float": 2.5, "str": "h\u00e9", "bytes": b"\0\1",
                 "list": [1, [2, []]], "map": {"k": {}}}
        self.assertEqual(value, decoded(w.call("echo", value).value))

    def test_text_and_bytes_arguments(self):
        w = self.open()
        w.submit(1, "echo", payload=pb.Payload(content_type="text/plain; charset=utf-8", data="h\u00e9".encode()))
        self.assertEqual("h\u00e9", decoded(w.answer(1).value))
        w.submit(2, "echo", payload=pb.Payload(content_type="Application/Octet-Stream", data=b"\xff\0"))
        self.assertEqual(b"\xff\0", decoded(w.answer(2).value))

    def test_results_with_an_explicit_content_type(self):
        w = self.open()
        text = w.call("as_text", "h\u00e9").value
        self.assertEqual(("text/plain; charset=utf-8", "h\u00e9".encode()), (text.content_type, text.data))
        octets = w.call("as_octets", b"\0\1", request_id=2).value
        self.assertEqual(("application/octet-stream", b"\0\1"), (octets.content_type, octets.data))

    def test_unknown_content_type_is_bad_payload(self):
        w = self.open()
        w.submit(1, "echo", payload=pb.Payload(content_type="application/x-pickle", data=b"\x80"))
        failure = w.answer(1)
        self.assertEqual(pb.BAD_PAYLOAD, failure.error.code)
        self.assertIn("application/x-pickle", failure.error.message)

    def test_unencodable_result_is_bad_payload(self):
        w = self.open()
        failure = w.call("unsendable")
        self.assertEqual(pb.BAD_PAYLOAD, failure.error.code)
        self.assertIn("builtins.object", failure.error.message)

    def test_unknown_function_is_not_found(self):
        w = self.open()
        failure = w.call("no.such.function", 1)
        self.assertEqual(pb.NOT_FOUND, failure.error.code)
        self.assertIn("no.such.function", failure.error.message)
        self.assertEqual("w-1", failure.error.worker_id)

    def test_failure_carries_type_message_traceback_and_cause(self):
        w = self.open()
        failure = w.call("fail", "bad input")
        e = failure.error
        self.assertEqual(pb.TASK_FAILED, e.code)
        self.assertEqual("ValueError", e.type)
        self.assertEqual("bad input", e.message)
        self.assertIn("Traceback (most recent call last):", e.stack_trace)
        self.assertIn("worker_tasks.py", e.stack_trace)
        self.assertIn('raise ValueError(message) from e', e.stack_trace)
        self.assertTrue(e.stack_trace.rstrip().endswith("ValueError: bad input"), e.stack_trace)
        self.assertEqual("KeyError", e.cause.type)
        self.assertEqual("'missing'", e.cause.message)
        self.assertFalse(e.cause.HasField("cause"))

    def test_output_of_a_task_comes_before_its_answer(self):
        w = self.open()
        result = w.call("print_both", "hello")
        self.assertEqual(5, decoded(result.value))
        self.assertEqual("hello\n", w.output_text(pb.Output.STDOUT))
        self.assertEqual("HELLO\n", w.output_text(pb.Output.STDERR))

    def test_output_before_welcome_is_held_until_then(self):
        w = self.start(modules=("worker_tasks", "noisy_module"))
        w.handshake()
        w.call("square", 1)
        self.assertEqual("imported noisy_module\n", w.output_text(pb.Output.STDOUT))

    def test_result_larger_than_the_runtime_accepts_is_frame_too_large(self):
        w = self.open(max_frame=1000)
        failure = w.call("blob", 5000)
        self.assertEqual(pb.FRAME_TOO_LARGE, failure.error.code)
        self.assertEqual(900, len(decoded(w.call("blob", 900, request_id=2).value)))

    def test_output_is_split_below_the_runtime_maximum(self):
        w = self.open(max_frame=1000)
        self.assertEqual(3000, decoded(w.call("print_long", 3000).value))
        self.assertEqual("<" + "x" * 3000 + "\n", w.output_text(pb.Output.STDOUT))
        self.assertGreaterEqual(len(w.outputs), 4)
        self.assertTrue(all(pb.Frame(output=o).ByteSize() <= 1000 for o in w.outputs))

    # ---- procwire.map

    def batch(self, function, arguments):
        b = pb.Batch(function=function, arguments=[value_payload(a) for a in arguments])
        return pb.Payload(content_type="application/x-protobuf; type=procwire.v1.Batch", data=b.SerializeToString())

    def test_batch_map_answers_every_argument_in_order(self):
        w = self.open()
        w.submit(1, "procwire.map", payload=self.batch("reciprocal", [1, 2, 0, 4]))
        result = w.answer(1)
        self.assertEqual("application/x-protobuf; type=procwire.v1.BatchResult", result.value.content_type)
        outcomes = pb.BatchResult.FromString(result.value.data).outcomes
        self.assertEqual(["value", "value", "error", "value"], [o.WhichOneof("kind") for o in outcomes])
        self.assertEqual([1.0, 0.5], [decoded(o.value) for o in outcomes[:2]])
        self.assertEqual("ZeroDivisionError", outcomes[2].error.type)
        self.assertEqual(pb.TASK_FAILED, outcomes[2].error.code)
        self.assertEqual(0.25, decoded(outcomes[3].value))

    def test_batch_of_unknown_function_fails_whole(self):
        w = self.open()
        w.submit(1, "procwire.map", payload=self.batch("nope", [1]))
        self.assertEqual(pb.NOT_FOUND, w.answer(1).error.code)
        w.submit(2, "procwire.map", payload=pb.Payload(content_type="application/x-procwire-value", data=b""))
        self.assertEqual(pb.BAD_PAYLOAD, w.answer(2).error.code)

    # ---- concurrency, cancel, deadlines

    def test_concurrency_limit_queues_and_cancel_drops_a_queued_task(self):
        w = self.open(max_concurrent=1)
        w.submit(1, "slow", 30)
        w.submit(2, "square", 3)
        w.send(pb.Frame(cancel=pb.Cancel(request_id=2)))
        queued = w.answer(2)
        self.assertEqual(pb.CANCELLED, queued.error.code)
        self.assertTrue(queued.error.retryable)
        w.send(pb.Frame(cancel=pb.Cancel(request_id=1, interrupt=True)))
        self.assertEqual(pb.CANCELLED, w.answer(1).error.code)
        self.assertEqual(16, decoded(w.call("square", 4, request_id=3).value))

    def test_without_a_limit_tasks_run_concurrently(self):
        w = self.open()
        w.submit(1, "slow", 30)
        self.assertEqual(25, decoded(w.call("square", 5, request_id=2).value))
        w.send(pb.Frame(cancel=pb.Cancel(request_id=1, interrupt=True)))
        self.assertEqual(pb.CANCELLED, w.answer(1).error.code)

    def test_cancel_interrupts_a_task_that_never_checks(self):
        w = self.open()
        w.submit(1, "spin", None)
        time.sleep(0.2)
        started = time.monotonic()
        w.send(pb.Frame(cancel=pb.Cancel(request_id=1, interrupt=True)))
        self.assertEqual(pb.CANCELLED, w.answer(1).error.code)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual(4, decoded(w.call("square", 2, request_id=2).value))

    def test_cancel_without_interrupt_lets_a_running_task_finish(self):
        w = self.open()
        w.submit(1, "slow", 0.3)
        time.sleep(0.1)
        w.send(pb.Frame(cancel=pb.Cancel(request_id=1, interrupt=False)))
        self.assertEqual("slept", decoded(w.answer(1).value))
        w.send(pb.Frame(cancel=pb.Cancel(request_id=99, interrupt=True)))  # unknown: ignored
        self.assertEqual(9, decoded(w.call("square", 3, request_id=2).value))

    def test_deadline(self):
        w = self.open()
        started = time.monotonic()
        w.submit(1, "spin", None, deadline_ms=300)
        failure = w.answer(1)
        self.assertEqual(pb.DEADLINE_EXCEEDED, failure.error.code)
        self.assertLess(time.monotonic() - started, 2.5)

    def test_deadline_of_a_queued_task(self):
        w = self.open(max_concurrent=1)
        w.submit(1, "slow", 30)
        w.submit(2, "square", 2, deadline_ms=200)
        self.assertEqual(pb.DEADLINE_EXCEEDED, w.answer(2).error.code)
        w.send(pb.Frame(cancel=pb.Cancel(request_id=1, interrupt=True)))
        self.assertEqual(pb.CANCELLED, w.answer(1).error.code)

    # ---- actors

    def test_actor_tell_and_ask_keep_their_order(self):
        w = self.open()
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=1, actor_id="a1", kind="recorder",
                                                    argument=value_payload("first"))))
        for i in range(50):
            w.send(pb.Frame(actor_tell=pb.ActorTell(actor_id="a1", message=value_payload(i))))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=2, actor_id="a1", message=value_payload("get"))))
        self.assertEqual("", w.answer(1).value.content_type)  # created: an empty Result
        self.assertEqual(["first"] + list(range(50)), decoded(w.answer(2).value))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=3, actor_id="a1", message=value_payload("boom"))))
        boom = w.answer(3)
        self.assertEqual(pb.TASK_FAILED, boom.error.code)
        self.assertEqual("RuntimeError", boom.error.type)
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=4, actor_id="a1", message=value_payload("x"))))
        self.assertEqual(52, decoded(w.answer(4).value))  # the actor kept its state
        w.send(pb.Frame(actor_stop=pb.ActorStop(request_id=5, actor_id="a1")))
        self.assertEqual("", w.answer(5).value.content_type)
        self.assertIn("recorder stopped after 52 messages", w.output_text(pb.Output.STDOUT))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=6, actor_id="a1", message=value_payload("get"))))
        self.assertEqual(pb.NOT_FOUND, w.answer(6).error.code)

    def test_actor_errors(self):
        w = self.open()
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=1, actor_id="b", kind="broken")))
        failed = w.answer(1)
        self.assertEqual((pb.TASK_FAILED, "OSError"), (failed.error.code, failed.error.type))
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=2, actor_id="b", kind="no-such-kind")))
        self.assertEqual(pb.NOT_FOUND, w.answer(2).error.code)
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=3, actor_id="r", kind="recorder")))
        w.answer(3)
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=4, actor_id="r", kind="recorder")))
        self.assertEqual(pb.PROTOCOL_VIOLATION, w.answer(4).error.code)
        w.send(pb.Frame(actor_tell=pb.ActorTell(actor_id="r", message=value_payload("boom"))))
        w.send(pb.Frame(actor_tell=pb.ActorTell(actor_id="ghost", message=value_payload(1))))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=5, actor_id="r", message=value_payload("get"))))
        self.assertEqual([], decoded(w.answer(5).value))
        log = w.output_text(pb.Output.LOG)
        self.assertIn("actor r failed on a message: RuntimeError: recorder exploded", log)
        self.assertIn("no actor ghost", log)

    def test_cancel_drops_an_ask_waiting_in_the_mailbox(self):
        w = self.open()
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=1, actor_id="a", kind="recorder")))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=2, actor_id="a", message=value_payload({"sleep": 3.0}))))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=3, actor_id="a", message=value_payload("first"))))
        w.send(pb.Frame(actor_ask=pb.ActorAsk(request_id=4, actor_id="a", message=value_payload("second"))))
        w.send(pb.Frame(cancel=pb.Cancel(request_id=3, interrupt=True)))
        answers = w.answers(1, 3, timeout=2.5)  # the cancelled ask is answered while the sleep goes on
        self.assertEqual(pb.CANCELLED, answers[3].error.code)
        self.assertTrue(answers[3].error.retryable)
        self.assertEqual("slept", decoded(w.answer(2).value))
        self.assertEqual(1, decoded(w.answer(4).value))  # "first" never reached the actor

    def test_actor_requests_without_the_capability_are_refused(self):
        w = self.open(capabilities=("cancel",))
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=1, actor_id="a", kind="recorder")))
        self.assertEqual(pb.PROTOCOL_VIOLATION, w.answer(1).error.code)

    # ---- liveness, output, shutdown

    def test_heartbeat_is_echoed_while_a_task_runs(self):
        w = self.open()
        w.submit(1, "spin", None)
        w.send(pb.Frame(heartbeat=pb.Heartbeat(sequence=7)))
        echo = w.expect("heartbeat")
        self.assertEqual((7, True), (echo.sequence, echo.echo))
        w.send(pb.Frame(heartbeat=pb.Heartbeat(sequence=8, echo=True)))  # an echo is not answered
        w.send(pb.Frame(cancel=pb.Cancel(request_id=1, interrupt=True)))
        self.assertEqual(pb.CANCELLED, w.answer(1).error.code)

    def test_silent_runtime_is_taken_for_dead_after_three_heartbeat_intervals(self):
        w = self.open(heartbeat_ms=100)
        w.expect("exit_notice", timeout=5)
        self.assertEqual(3, w.wait_exit())

    def test_graceful_shutdown_finishes_work_then_sends_exit_notice(self):
        w = self.open()
        w.submit(1, "slow", 0.3)
        w.send(pb.Frame(actor_create=pb.ActorCreate(request_id=2, actor_id="a", kind="recorder")))
        w.send(pb.Frame(actor_tell=pb.ActorTell(actor_id="a", message=value_payload(1))))
        w.send(pb.Frame(shutdown=pb.Shutdown(graceful=True, grace_millis=5000, reason="test")))
        w.submit(3, "square", 2)
        answers = w.answers(1, 2, 3)
        self.assertEqual(pb.SHUTTING_DOWN, answers[3].error.code)
        self.assertTrue(answers[3].error.retryable)
        self.assertIsInstance(answers[2], pb.Result)
        self.assertEqual("slept", decoded(answers[1].value))
        notice = w.expect("exit_notice")
        self.assertEqual(0, notice.exit_code)
        self.assertIsNone(w.next())
        self.assertEqual(0, w.wait_exit())

    def test_forced_shutdown_exits_at_once(self):
        w = self.open()
        w.submit(1, "spin", None)
        w.send(pb.Frame(shutdown=pb.Shutdown(graceful=False)))
        self.assertEqual(0, w.expect("exit_notice").exit_code)
        self.assertIsNone(w.next())
        self.assertEqual(0, w.wait_exit(2))

    def test_exit_when_done(self):
        w = self.open()
        w.submit(1, "square", 6, exit_when_done=True)
        self.assertEqual(36, decoded(w.answer(1).value))
        self.assertEqual(0, w.expect("exit_notice").exit_code)
        self.assertEqual(0, w.wait_exit())

    def test_exit_when_done_after_a_failure_exits_1_with_the_traceback_on_stderr(self):
        w = self.open()
        w.submit(1, "fail", "oops", exit_when_done=True)
        self.assertEqual(pb.TASK_FAILED, w.answer(1).error.code)
        self.assertEqual(1, w.expect("exit_notice").exit_code)
        self.assertEqual(1, w.wait_exit())
        self.assertIn(b"Process py-1:", w.stderr)
        self.assertIn(b"ValueError: oops", w.stderr)

    def test_sigterm_is_reported_in_the_exit_notice(self):
        w = self.open()
        w.submit(1, "spin", None)
        time.sleep(0.2)
        w.signal(signal.SIGTERM)
        notice = w.expect("exit_notice")
        self.assertEqual((143, 15), (notice.exit_code, notice.signal))
        self.assertEqual(143, w.wait_exit())

    def test_end_of_input_means_the_runtime_died(self):
        w = self.open()
        w.submit(1, "spin", None)
        time.sleep(0.2)
        started = time.monotonic()
        w.close_input()
        self.assertEqual(0, w.wait_exit(5))
        self.assertLess(time.monotonic() - started, 2.0)

    def test_worker_exits_when_the_runtime_process_is_gone(self):
        import subprocess
        gone = subprocess.Popen(["true"])
        gone.wait()  # reaped: its pid names no process now
        w = self.start()
        w.expect("hello")
        w.send(pb.Frame(welcome=pb.Welcome(protocol_version=1, worker_name="py-1", runtime_pid=gone.pid)))
        self.assertEqual(3, w.expect("exit_notice").exit_code)
        self.assertEqual(3, w.wait_exit(5))

    def test_worker_exits_promptly_even_when_the_runtime_stopped_reading(self):
        w = self.start(reading=False)
        self.assertEqual("hello", w.read_one().WhichOneof("body"))
        w.send(pb.Frame(welcome=pb.Welcome(protocol_version=1, worker_name="py-1")))
        w.submit(1, "print_long", 4 << 20)  # far more output than any pipe or socket buffer holds
        time.sleep(0.5)
        started = time.monotonic()
        w.close_input()
        self.assertEqual(0, w.wait_exit(5))
        self.assertLess(time.monotonic() - started, 3.0)

    def test_end_of_input_before_welcome_ends_the_worker(self):
        w = self.start()
        w.expect("hello")
        w.close_input()
        self.assertEqual(0, w.wait_exit(5))

    # ---- broken protocol

    def test_garbage_input_is_a_protocol_violation(self):
        w = self.open()
        w.send_raw(b"\xff\xff\xff\xff\xff\xff")
        error = w.expect("protocol_error")
        self.assertEqual(pb.PROTOCOL_VIOLATION, error.code)
        self.assertIn("longer than 5 bytes", error.message)
        self.assertEqual(2, w.expect("exit_notice").exit_code)
        self.assertEqual(2, w.wait_exit())

    def test_unparseable_body_is_a_protocol_violation(self):
        w = self.open()
        w.send_raw(b"\x03\x0a\x05\x01")  # field 1 claims 5 bytes, 1 follows
        self.assertEqual(pb.PROTOCOL_VIOLATION, w.expect("protocol_error").code)
        self.assertEqual(2, w.wait_exit())

    def test_oversized_frame_is_refused_before_its_body_is_read(self):
        w = self.start(env={"PROCWIRE_MAX_FRAME": "1000"})
        w.handshake()
        w.send_raw(b"\xe9\x07")  # declares 1001 bytes; none follow
        error = w.expect("protocol_error")
        self.assertEqual(pb.FRAME_TOO_LARGE, error.code)
        self.assertIn("1001", error.message)
        self.assertEqual(2, w.wait_exit())

    def test_empty_frame_and_request_id_zero_are_violations(self):
        w = self.open()
        w.send_raw(b"\x00")
        self.assertEqual(pb.PROTOCOL_VIOLATION, w.expect("protocol_error").code)
        w2 = self.open()
        w2.submit(0, "square", 1)
        self.assertIn("request id 0", w2.expect("protocol_error").message)

    def test_unknown_body_is_ignored_once_open_and_refused_before(self):
        w = self.open()
        w.send_raw(b"\x03\xfa\x06\x00")  # field 111, an empty message: a body from the future
        self.assertEqual(9, decoded(w.call("square", 3).value))
        self.assertIn("does not know", w.output_text(pb.Output.LOG))
        w2 = self.start()
        w2.expect("hello")
        w2.send_raw(b"\x03\xfa\x06\x00")
        self.assertEqual(pb.UNKNOWN_FRAME, w2.expect("protocol_error").code)

    def test_a_second_welcome_is_a_violation(self):
        w = self.open()
        w.send(pb.Frame(welcome=pb.Welcome(protocol_version=1)))
        self.assertEqual(pb.PROTOCOL_VIOLATION, w.expect("protocol_error").code)

    def test_worker_writing_garbage_is_seen_by_the_runtime(self):
        w = self.open()
        w.submit(1, "garbage", None)
        with self.assertRaises(AssertionError) as caught:
            w.answer(1)
        self.assertIn("bad frame stream", str(caught.exception))


class PipeTest(WorkerBehaviour, unittest.TestCase):
    TRANSPORT = "pipe"

    def test_fd1_carries_nothing_but_frames(self):
        w = self.open()
        self.assertIsNone(decoded(w.call("write_fd1", "native hello").value))
        deadline = time.monotonic() + TIMEOUT
        while "native hello" not in w.output_text(pb.Output.STDOUT) and time.monotonic() < deadline:
            frame = w.next()
            self.assertEqual("output", frame.WhichOneof("body"))
            w.outputs.append(frame.output)
        self.assertEqual("native hello\n", w.output_text(pb.Output.STDOUT))


class FifoTest(WorkerBehaviour, unittest.TestCase):
    TRANSPORT = "fifo"

    def test_fd1_is_plain_text_and_prints_are_output_frames(self):
        w = self.open()
        w.call("write_fd1", "native hello")
        w.call("print_both", "framed", request_id=2)
        self.assertEqual("framed\n", w.output_text(pb.Output.STDOUT))
        deadline = time.monotonic() + TIMEOUT
        while b"native hello" not in w.stdout and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(b"native hello\n", w.stdout)


class UnixSocketTest(WorkerBehaviour, unittest.TestCase):
    TRANSPORT = "unix"

    def test_the_connecting_process_is_the_worker(self):
        w = self.open()
        self.assertEqual(w.proc.pid, w.peer_pid)


class AbstractUnixSocketTest(unittest.TestCase):
    def test_abstract_namespace(self):
        w = Worker("unix", abstract=True)
        self.addCleanup(w.close)
        hello = w.handshake()
        self.assertEqual(w.token.encode(), hello.auth_token)
        self.assertEqual(4, decoded(w.call("square", 2).value))


class ConfigurationErrorTest(unittest.TestCase):
    def test_missing_transport_variables_are_named(self):
        import subprocess
        import sys
        from driver import PYTHON_DIR
        for transport, missing in (("fifo", "PROCWIRE_FIFO_IN"), ("unix", "PROCWIRE_SOCKET"),
                                   ("carrier-pigeon", "not one of pipe, fifo, unix")):
            env = dict(os.environ, PYTHONPATH=PYTHON_DIR, PROCWIRE_WORKER_ID="w", PROCWIRE_TRANSPORT=transport)
            done = subprocess.run([sys.executable, "-m", "procwire_worker"], env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=TIMEOUT)
            self.assertEqual(2, done.returncode, done.stderr)
            self.assertIn(missing, done.stderr.decode())
            self.assertEqual(b"", done.stdout)

    def test_module_that_cannot_be_imported_fails_the_start(self):
        w = Worker("pipe", modules=("no_such_module_here",))
        self.addCleanup(w.close)
        self.assertEqual(1, w.wait_exit())
        self.assertIsNone(w.next())  # not even a Hello
        self.assertIn(b"cannot import module 'no_such_module_here'", w.stderr)


if __name__ == "__main__":
    unittest.main()
