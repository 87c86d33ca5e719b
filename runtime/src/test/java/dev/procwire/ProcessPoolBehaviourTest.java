package dev.procwire;

import static dev.procwire.PoolTestTasks.alive;
import static dev.procwire.PoolTestTasks.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.PoolTestTasks.DieOnce;
import dev.procwire.PoolTestTasks.DieOnceNotIdempotent;
import dev.procwire.PoolTestTasks.Echo;
import dev.procwire.PoolTestTasks.Hog;
import dev.procwire.PoolTestTasks.Spin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What ProcessPoolTest leaves out: async forms, laziness, timeouts, retries, deaths and the lifecycle. */
@Timeout(120)
class ProcessPoolBehaviourTest {
    @TempDir
    Path dir;

    static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    static Throwable failureOf(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
        return e.getCause();
    }

    // ---- async forms

    @Test
    void applyAsyncCallsTheCallbackOrTheErrorCallback() throws Exception {
        try (ProcessPool p = options(2).build()) {
            CompletableFuture<Object> value = new CompletableFuture<>();
            CompletableFuture<Throwable> error = new CompletableFuture<>();
            TaskFuture<Integer> ok = p.applyAsync(PoolFixtures.Square.class, 4, value::complete, error::complete);
            assertEquals(16, ok.get());
            assertEquals(16, value.get(30, TimeUnit.SECONDS));
            assertFalse(error.isDone());

            CompletableFuture<Object> noValue = new CompletableFuture<>();
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            p.applyAsync(PoolFixtures.Unlucky.class, 13, noValue::complete, failure::complete);
            RemoteException e = assertInstanceOf(RemoteException.class, failure.get(30, TimeUnit.SECONDS),
                    "the error callback gets the task's exception itself");
            assertEquals("13 is unlucky", e.remoteMessage());
            assertFalse(noValue.isDone());
        }
    }

    @Test
    void mapAsyncGivesTheResultsInOrderOrTheFirstFailure() throws Exception {
        try (ProcessPool p = options(2).build()) {
            CompletableFuture<List<Integer>> squares = p.mapAsync(PoolFixtures.Square.class, range(100));
            assertEquals(range(100).stream().map(i -> i * i).toList(), squares.get());
            assertEquals(range(100).stream().map(i -> i * i).toList(),
                    p.mapAsync(PoolFixtures.Square.class, range(100), 7).get());
            assertEquals(List.of(), p.mapAsync(PoolFixtures.Square.class, List.<Integer>of()).get());
            RemoteException e = assertInstanceOf(RemoteException.class,
                    failureOf(p.mapAsync(PoolFixtures.Unlucky.class, range(30), 4)));
            assertEquals("13 is unlucky", e.remoteMessage());
        }
    }

    @Test
    void imapUnorderedGivesEveryResultOnce() {
        try (ProcessPool p = options(3).build()) {
            for (int chunksize : new int[] {1, 8}) {
                List<Integer> got = new ArrayList<>();
                p.imapUnordered(PoolFixtures.Square.class, range(500), chunksize).forEachRemaining(got::add);
                assertEquals(500, got.size());
                assertEquals(range(500).stream().map(i -> i * i).toList(), got.stream().sorted().toList());
            }
        }
    }

    @Test
    void imapOverAnEndlessInputIsLazyAndBounded() {
        try (ProcessPool p = options(2).build()) {
            for (int chunksize : new int[] {1, 16}) {
                AtomicLong pulled = new AtomicLong();
                Iterator<Integer> endless = Stream.iterate(0, i -> i + 1).peek(i -> pulled.incrementAndGet()).iterator();
                Iterator<Integer> results = p.imap(Echo.class, () -> endless, chunksize);
                // The in-flight window: twice each worker's prefetch, which adapts up to 64.
                long bound = 2L * 2 * 64 * chunksize + chunksize;
                assertTrue(pulled.get() <= bound, "pulled " + pulled.get() + " before the first next()");
                for (int consumed = 0; consumed < 10_000; ) {
                    assertEquals(consumed, results.next());
                    consumed++;
                    long ahead = pulled.get() - consumed;
                    if (ahead > bound) {
                        throw new AssertionError("after " + consumed + " results the input was pulled " + ahead
                                + " items ahead (chunksize " + chunksize + ")");
                    }
                }
                assertTrue(results.hasNext());
            }
            // as a Stream, cut short
            assertEquals(List.of(0, 1, 4, 9, 16), p.imap(PoolFixtures.Square.class,
                    () -> Stream.iterate(0, i -> i + 1).iterator()).stream().limit(5).toList());
        }
    }

    @Test
    void anImapWhosePoolIsClosedGivesWhatWasSentThenSaysWhyItStops() {
        ProcessPool p = options(2).build();
        AtomicLong pulled = new AtomicLong();
        Iterator<Integer> input = IntStream.range(0, 1_000).peek(i -> pulled.incrementAndGet()).boxed().iterator();
        Iterator<Integer> results = p.imap(Echo.class, () -> input);
        assertEquals(0, results.next());
        Iterator<Integer> unordered = p.imapUnordered(Echo.class, range(1_000), 10);
        p.close();
        List<Integer> some = new ArrayList<>();
        IllegalStateException cut = assertThrows(IllegalStateException.class,
                () -> unordered.forEachRemaining(some::add),
                "an unordered imap cut short by close() ends with the reason, it does not hang");
        assertTrue(cut.getMessage().contains("lazily"), cut.getMessage());
        assertEquals(some.size(), some.stream().distinct().count());
        List<Integer> got = new ArrayList<>(List.of(0));
        IllegalStateException stop = null;
        while (results.hasNext()) {
            try {
                got.add(results.next());
            } catch (IllegalStateException e) {
                stop = e;
                break;
            }
        }
        assertTrue(stop != null, "an imap cut short by close() must not end as if its input were done");
        assertTrue(stop.getMessage().contains("closed"), stop.getMessage());
        assertEquals(range(got.size()), got, "every item sent before close() is answered, in order, none lost");
        assertTrue(got.size() < 100, got.size() + " results: the input was pulled lazily");
        assertThrows(IllegalStateException.class, results::next, "and it stays stopped");
        assertEquals(got.size(), pulled.get() - 1, "one item was pulled for the refused chunk, no more");
    }

    @Test
    void defaultChunksizeIsPythons() {
        try (ProcessPool p = options(2).build()) {
            // Python: chunksize, extra = divmod(len, 4 * processes); chunksize += 1 if extra
            assertEquals(1, p.defaultChunksize(1));
            assertEquals(1, p.defaultChunksize(8));
            assertEquals(2, p.defaultChunksize(9));
            assertEquals(13, p.defaultChunksize(100));
            assertEquals(125, p.defaultChunksize(1000));
            assertEquals(12_500, p.defaultChunksize(100_000));
            assertEquals(range(1000).stream().map(i -> i * i).toList(), p.map(PoolFixtures.Square.class, range(1000)));
        }
        try (ProcessPool p = options(3).build()) {
            assertEquals(9, p.defaultChunksize(100)); // divmod(100, 12) = (8, 4)
            assertEquals(1, p.defaultChunksize(12));
        }
    }

    // ---- timeouts

    @Test
    void aTaskPastItsTimeoutFailsWithTaskTimeoutException() throws Exception {
        try (ProcessPool p = options(1).taskTimeout(Duration.ofMillis(500)).build()) {
            long pid = p.apply(PoolFixtures.Pid.class, 0);
            long t0 = System.nanoTime();
            Throwable e = failureOf(p.applyAsync(PoolFixtures.Nap.class, 30_000));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertInstanceOf(TaskTimeoutException.class, e);
            assertTrue(e.getMessage().contains("500 ms"), e.getMessage());
            assertTrue(took < 10_000, "took " + took + " ms");
            assertEquals(50, p.apply(PoolFixtures.Nap.class, 50), "a task within its budget");
            assertEquals(pid, p.apply(PoolFixtures.Pid.class, 0), "the interrupted task stopped: same worker");
        }
    }

    @Test
    void theTimeoutIsEachTasksOwnNotShortenedByTasksAheadOfIt() throws Exception {
        // One worker: each task waits for those before it, and needs 40% of its budget. Were the
        // time a task waits in its worker counted, the third would run out.
        try (ProcessPool p = options(1).prefetch(4).taskTimeout(Duration.ofMillis(1_500)).build()) {
            p.apply(PoolFixtures.Pid.class, 0);
            List<TaskFuture<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                futures.add(p.applyAsync(PoolFixtures.Nap.class, 600));
            }
            for (TaskFuture<Integer> f : futures) {
                assertEquals(600, f.get(30, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void aTaskPastItsTimeoutThatIgnoresTheInterruptHasItsWorkerReplaced() throws Exception {
        try (ProcessPool p = options(1).taskTimeout(Duration.ofMillis(500)).cancelGrace(Duration.ofMillis(500)).build()) {
            long pid = p.apply(PoolFixtures.Pid.class, 0);
            Throwable e = failureOf(p.applyAsync(Spin.class, 120_000));
            assertInstanceOf(TaskTimeoutException.class, e);
            long replacement = p.apply(PoolFixtures.Pid.class, 0);
            assertNotEquals(pid, replacement);
            assertFalse(alive(pid), "the spinning worker was killed");
            assertEquals(List.of(1, 4, 9), p.map(PoolFixtures.Square.class, List.of(1, 2, 3)), "the pool goes on");
        }
    }

    // ---- deaths and retries

    @Test
    void anIdempotentTaskWhoseWorkerDiesIsRetried() throws Exception {
        try (ProcessPool p = options(2).retry(1).build()) {
            String marker = dir.resolve("died-once").toString();
            String answer = p.apply(DieOnce.class, marker);
            assertTrue(Files.exists(Path.of(marker)), "the first attempt ran and died");
            assertTrue(answer.startsWith("second attempt in "), answer);
        }
    }

    @Test
    void aTaskNotMarkedIdempotentIsNeverRetried() throws Exception {
        try (ProcessPool p = options(2).retry(3).build()) {
            String marker = dir.resolve("died").toString();
            WorkerDiedException e = assertInstanceOf(WorkerDiedException.class,
                    failureOf(p.applyAsync(DieOnceNotIdempotent.class, marker)));
            assertTrue(e.getMessage().contains("killed by SIGKILL"), e.getMessage());
            assertEquals(-9, e.exitCode());
            assertTrue(e.getMessage().contains("pid " + e.pid()), e.getMessage());
            assertTrue(e.workerName().startsWith("SpawnPoolWorker-"), e.workerName());
        }
        try (ProcessPool p = options(1).build()) { // idempotent, but no retry policy
            assertInstanceOf(WorkerDiedException.class,
                    failureOf(p.applyAsync(DieOnce.class, dir.resolve("no-policy").toString())));
        }
    }

    @Test
    void aTaskCallingSystemExitFailsWithTheExitCode() throws Exception {
        try (ProcessPool p = options(2).build()) {
            WorkerDiedException e = assertInstanceOf(WorkerDiedException.class, failureOf(p.applyAsync(Fixtures.Exits.class, 3)));
            assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
            assertEquals(3, e.exitCode());
            assertFalse(alive(e.pid()));
            assertEquals(range(20), p.map(Echo.class, range(20), 1), "the pool goes on");
        }
    }

    @Test
    void anOutOfMemoryErrorFailsTheTaskAndThePoolGoesOn() throws Exception {
        try (ProcessPool p = options(1).jvmOptions("-Xmx32m").build()) {
            Throwable e = failureOf(p.applyAsync(Hog.class, 1));
            // The worker catches it and answers; had it died instead, that would be a WorkerDiedException.
            RemoteException remote = assertInstanceOf(RemoteException.class, e);
            assertEquals("java.lang.OutOfMemoryError", remote.remoteType());
            assertEquals(List.of(0, 1, 4), p.map(PoolFixtures.Square.class, List.of(0, 1, 2)), "the pool goes on");
        }
    }

    // ---- lifecycle

    @Test
    void closeLetsQueuedTasksFinishThenJoinReturns() throws Exception {
        ProcessPool p = options(1).build();
        List<TaskFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            futures.add(p.applyAsync(PoolFixtures.Nap.class, 100 + i));
        }
        p.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.apply(PoolFixtures.Square.class, 2));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("no new tasks"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> p.imap(PoolFixtures.Square.class, range(3)));
        assertTrue(p.join(Duration.ofSeconds(60)));
        for (int i = 0; i < 5; i++) {
            assertEquals(100 + i, futures.get(i).get(10, TimeUnit.SECONDS));
        }
        p.close(); // idempotent
    }

    @Test
    void terminateFailsQueuedAndRunningTasksAndJoinReturnsQuickly() throws Exception {
        ProcessPool p = options(1).build();
        long pid = p.apply(PoolFixtures.Pid.class, 0);
        List<TaskFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            futures.add(p.applyAsync(PoolFixtures.Nap.class, 60_000));
        }
        long t0 = System.nanoTime();
        p.terminate();
        assertTrue(p.join(Duration.ofSeconds(10)), "join after terminate");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        for (TaskFuture<Integer> f : futures) {
            assertThrows(CancellationException.class, () -> f.get(10, TimeUnit.SECONDS));
        }
        assertFalse(alive(pid));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.applyAsync(Echo.class, 1));
        assertTrue(e.getMessage().contains("terminated"), e.getMessage());
        p.terminate(); // idempotent
    }

    @Test
    void tryWithResourcesClosesWithoutWaiting() throws Exception {
        TaskFuture<Integer> f;
        ProcessPool pool;
        try (ProcessPool p = options(1).build()) {
            pool = p;
            f = p.applyAsync(PoolFixtures.Nap.class, 500);
        }
        assertFalse(f.isDone(), "close() does not wait, as in Python");
        assertEquals(500, f.get(30, TimeUnit.SECONDS));
        assertTrue(pool.join(Duration.ofSeconds(30)));
        assertTrue(pool.onTermination().isDone());
    }
}
