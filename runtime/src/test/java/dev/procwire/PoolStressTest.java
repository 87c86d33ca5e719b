package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.PoolTestTasks.Echo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 4's stress test: 100,000 tiny tasks over a pool whose workers are killed (SIGKILL) at
 * random moments. Every task ends exactly once, with its result or a {@link WorkerDiedException}
 * naming a worker that was killed, and the test never hangs.
 */
@Tag("stress")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PoolStressTest {
    static final int APPLY = 40_000;
    static final int IMAP_ONE = 30_000;
    static final int IMAP_CHUNKED = 30_000;
    static final int TOTAL = APPLY + IMAP_ONE + IMAP_CHUNKED;

    private final AtomicIntegerArray ends = new AtomicIntegerArray(TOTAL);
    private final AtomicInteger failures = new AtomicInteger();
    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    private final Set<Long> killed = ConcurrentHashMap.newKeySet();

    @Test
    void hundredThousandTinyTasksWhileWorkersAreKilledAtRandom() throws Exception {
        long seed = System.nanoTime();
        try (ProcessPool p = PoolTestTasks.options(3).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread killer = new Thread(() -> killAtRandom(p, new Random(seed), stop), "stress-killer");
            killer.setDaemon(true);
            killer.start();
            long t0 = System.nanoTime();
            try {
                // 1. applyAsync, all queued at once
                List<CompletableFuture<Integer>> futures = new ArrayList<>(APPLY);
                for (int i = 0; i < APPLY; i++) {
                    int id = i;
                    futures.add(p.applyAsync(Echo.class, id).whenComplete((v, e) -> ended(id, v, e)));
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .exceptionally(e -> null).get(2, TimeUnit.MINUTES);
                // 2. imap, one item per message; 3. imap in chunks of 50
                imap(p, APPLY, IMAP_ONE, 1);
                imap(p, APPLY + IMAP_ONE, IMAP_CHUNKED, 50);
            } finally {
                stop.set(true);
                killer.join(5_000);
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.err.printf("stress (seed %d): %d tasks in %d ms, %d workers killed, %d tasks failed%n",
                    seed, TOTAL, took, killed.size(), failures.get());

            assertTrue(problems.isEmpty(), problems.size() + " problems (seed " + seed + "), the first: "
                    + problems.stream().limit(5).toList());
            List<Integer> notOnce = IntStream.range(0, TOTAL).filter(i -> ends.get(i) != 1).boxed().limit(10).toList();
            assertEquals(List.of(), notOnce, "tasks that did not end exactly once (seed " + seed + ")");
            assertFalse(killed.isEmpty(), "the killer killed no worker");
            assertTrue(failures.get() > 0, "no task failed: the kills hit no running task");
            assertTrue(failures.get() <= killed.size() * 50,
                    "a death fails at most the message its worker was running: " + failures.get() + " failures, "
                            + killed.size() + " deaths");
            // and the pool goes on, once it has seen the last death (a task sent to a worker killed
            // just before, whose death is not yet known, would fail as that worker's running task)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (p.workerPids().stream().anyMatch(killed::contains) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(IntStream.range(0, 100).boxed().toList(), p.map(Echo.class, IntStream.range(0, 100).boxed().toList()));
        }
    }

    private void imap(ProcessPool p, int first, int count, int chunksize) {
        Iterator<Integer> results = p.imap(Echo.class, IntStream.range(first, first + count).boxed().toList(), chunksize);
        for (int id = first; id < first + count; id++) {
            try {
                ended(id, results.next(), null);
            } catch (RuntimeException e) {
                ended(id, null, e);
            }
        }
        if (results.hasNext()) {
            problems.add("imap gave more results than items");
        }
    }

    private void ended(int id, Integer value, Throwable e) {
        ends.incrementAndGet(id);
        if (e == null) {
            if (value == null || value != id) {
                problems.add("task " + id + " answered " + value);
            }
            return;
        }
        failures.incrementAndGet();
        if (!(e instanceof WorkerDiedException died)) {
            problems.add("task " + id + " failed with " + e);
            return;
        }
        if (!killed.contains(died.pid()) || !died.getMessage().contains("pid " + died.pid())
                || !died.getMessage().contains("killed by SIGKILL")) {
            problems.add("task " + id + " failed naming a worker that was not killed: " + died.getMessage());
        }
    }

    /** Kills a random worker every 100 to 600 ms. */
    private void killAtRandom(ProcessPool p, Random random, AtomicBoolean stop) {
        while (!stop.get()) {
            try {
                Thread.sleep(100 + random.nextInt(500));
            } catch (InterruptedException e) {
                return;
            }
            List<Long> pids = p.workerPids();
            if (pids.isEmpty() || stop.get()) {
                continue;
            }
            long pid = pids.get(random.nextInt(pids.size()));
            killed.add(pid); // before the kill: a failure naming it can only come after
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
