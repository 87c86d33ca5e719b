package dev.procwire.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.ActorRef;
import dev.procwire.OutputLine;
import dev.procwire.ProcessPool;
import dev.procwire.ProcwireRuntime;
import dev.procwire.RemoteException;
import dev.procwire.TaskFuture;
import dev.procwire.WorkerDiedException;
import dev.procwire.WorkerStartException;
import dev.procwire.WorkerTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every worker does the same whatever its language: one test body, run by a subclass per
 * worker language, on each transport, through the public pool API. A subclass says how its
 * workers are started and what its failures look like.
 */
@Timeout(120)
abstract class WorkerContract {
    protected final List<OutputLine> lines = new CopyOnWriteArrayList<>();
    protected ProcwireRuntime runtime;

    /** A pool builder of this language's workers on {@code runtime}. */
    abstract ProcessPool.Builder workers(ProcwireRuntime runtime);

    /** The remote type of the exception the "fail" function raises. */
    abstract String failureType();

    /** Text that the remote stack trace of a failure in "fail" must contain. */
    abstract String tracebackMarker();

    @BeforeEach
    void newRuntime() {
        runtime = ProcwireRuntime.builder().outputListener(lines::add).terminateGrace(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void closeRuntime() {
        runtime.close();
    }

    private ProcessPool pool(WorkerTransport transport, int processes) {
        return workers(runtime).processes(processes).transport(transport).build();
    }

    private static long number(Object o) {
        return ((Number) o).longValue();
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void mapAndImapReturnEveryResultInOrder(WorkerTransport transport) throws Exception {
        try (ProcessPool pool = pool(transport, 2)) {
            List<Long> items = IntStream.range(0, 300).mapToObj(i -> (long) i).toList();
            List<Long> squares = items.stream().map(i -> i * i).toList();
            assertEquals(squares, pool.map("square", items).stream().map(WorkerContract::number).toList());
            assertEquals(squares, pool.map("square", items, 1).stream().map(WorkerContract::number).toList());
            List<Long> lazily = new ArrayList<>();
            pool.imap("square", items, 7).forEachRemaining(r -> lazily.add(number(r)));
            assertEquals(squares, lazily);
            List<Long> unordered = new ArrayList<>();
            pool.imapUnordered("square", items, 1).forEachRemaining(r -> unordered.add(number(r)));
            assertEquals(squares, unordered.stream().sorted().toList());
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void actorMessagesFromOneSenderArriveInOrder(WorkerTransport transport) throws Exception {
        try (ProcessPool pool = pool(transport, 1)) {
            ActorRef<Object, Object> recorder = pool.actorOf("recorder", "first");
            for (long i = 0; i < 100; i++) {
                recorder.tell(i);
            }
            assertEquals(102L, number(recorder.ask("last").get(30, TimeUnit.SECONDS)));
            List<?> seen = (List<?>) recorder.ask("get").get(30, TimeUnit.SECONDS);
            assertEquals("first", seen.get(0));
            assertEquals(LongStreamOf(0, 100), seen.subList(1, 101).stream().map(WorkerContract::number).toList());
            assertEquals("last", seen.get(101));
            ExecutionException e = assertThrows(ExecutionException.class, () -> recorder.ask("boom").get(30, TimeUnit.SECONDS));
            assertInstanceOf(RemoteException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("recorder exploded"), e.getCause().getMessage());
            assertEquals(102, ((List<?>) recorder.ask("get").get(30, TimeUnit.SECONDS)).size(), "state kept after a failure");
        }
    }

    private static List<Long> LongStreamOf(long from, long to) {
        return java.util.stream.LongStream.range(from, to).boxed().toList();
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void aFailureCarriesTheRemoteTypeMessageAndTraceback(WorkerTransport transport) {
        try (ProcessPool pool = pool(transport, 1)) {
            RemoteException e = assertThrows(RemoteException.class, () -> pool.apply("fail", "it went wrong"));
            assertEquals(failureType(), e.remoteType());
            assertTrue(e.getMessage().contains("it went wrong"), e.getMessage());
            assertTrue(e.remoteStackTrace().contains(tracebackMarker()), e.remoteStackTrace());
            assertEquals(9L, number(pool.apply("square", 3L)), "the worker goes on");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void cancellingARunningTaskEndsItAndThePoolGoesOn(WorkerTransport transport) throws Exception {
        try (ProcessPool pool = pool(transport, 1)) {
            TaskFuture<Object> slow = pool.applyAsync("slow", 60.0);
            Thread.sleep(500); // running by now
            long t0 = System.nanoTime();
            assertTrue(slow.cancel(true));
            assertThrows(CancellationException.class, () -> slow.get(1, TimeUnit.SECONDS));
            assertEquals(16L, number(pool.apply("square", 4L)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "not the 60 s of the task");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void aWorkerKilledMidTaskFailsThatTaskNamingItAndIsReplaced(WorkerTransport transport) throws Exception {
        try (ProcessPool pool = pool(transport, 1)) {
            long pid = number(pool.apply("pid", null));
            TaskFuture<Object> slow = pool.applyAsync("slow", 60.0);
            Thread.sleep(500);
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            ExecutionException e = assertThrows(ExecutionException.class, () -> slow.get(30, TimeUnit.SECONDS));
            WorkerDiedException died = assertInstanceOf(WorkerDiedException.class, e.getCause());
            assertEquals(pid, died.pid());
            assertTrue(died.getMessage().contains("-9") || died.getMessage().contains("SIGKILL"), died.getMessage());
            long replacement = number(pool.apply("pid", null));
            assertTrue(replacement != pid);
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void printedLinesAreForwardedTaggedWithTheWorker(WorkerTransport transport) {
        try (ProcessPool pool = pool(transport, 1)) {
            long pid = number(pool.apply("pid", null));
            assertEquals(5L, number(pool.apply("print_both", "hello")));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    has(OutputLine.Stream.STDOUT, "hello", pid) && has(OutputLine.Stream.STDERR, "HELLO", pid));
        }
    }

    private boolean has(OutputLine.Stream stream, String text, long pid) {
        return lines.stream().anyMatch(l -> l.stream() == stream && l.text().equals(text) && l.pid() == pid);
    }

    @ParameterizedTest
    @EnumSource(value = WorkerTransport.class, names = "PIPE")
    void garbageOnTheProtocolStreamEndsThatWorkerOnly(WorkerTransport transport) throws Exception {
        try (ProcessPool pool = pool(transport, 1)) {
            Exception e = assertThrows(Exception.class, () -> pool.apply("garbage", null));
            assertTrue(e instanceof WorkerDiedException || e instanceof RemoteException, e.toString());
            assertEquals(25L, number(pool.apply("square", 5L)), "a replacement serves the next task");
        }
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void aWorkerSpeakingAnotherProtocolVersionIsRefusedAtStart(WorkerTransport transport) {
        dev.procwire.WorkerProcess p = new dev.procwire.WorkerProcess("square", 2L).setRuntime(runtime)
                .setTransport(transport);
        configure(p);
        p.putEnvironment("PROCWIRE_TEST_ANNOUNCE_VERSIONS", "2..3");
        WorkerStartException e = assertThrows(WorkerStartException.class, p::start);
        assertTrue(e.getMessage().contains("speaks protocol 2..3, runtime speaks 1..1"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void aProcessRunsAFunctionByNameAndExitsWithZero(WorkerTransport transport) throws Exception {
        dev.procwire.WorkerProcess p = new dev.procwire.WorkerProcess("square", 7L).setRuntime(runtime)
                .setTransport(transport);
        configure(p);
        p.start();
        assertTrue(p.join(Duration.ofSeconds(30)));
        assertEquals(0, p.exitCode());
        assertEquals(49L, number(p.result()));
    }

    @ParameterizedTest
    @EnumSource(WorkerTransport.class)
    void anExecutorRunsFunctionsByName(WorkerTransport transport) throws Exception {
        try (dev.procwire.ProcessPoolExecutor ex = dev.procwire.ProcessPoolExecutor.create(
                workers(runtime).processes(2).transport(transport))) {
            List<TaskFuture<Object>> futures = new ArrayList<>();
            for (long i = 0; i < 20; i++) {
                futures.add(ex.submit("square", i));
            }
            for (int i = 0; i < 20; i++) {
                assertEquals((long) i * i, number(futures.get(i).get(30, TimeUnit.SECONDS)));
            }
        }
    }

    /** Makes {@code p} a worker of this language (command, environment). */
    abstract void configure(dev.procwire.WorkerProcess p);
}
