package dev.procwire.examples;

import dev.procwire.Task;
import dev.procwire.WorkerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Seed sections "GIL", "GIL effeciency" and "GIL 작업" (Working around the GIL).
 *
 * <p>The seed explains that CPython's global interpreter lock lets one thread at a time run
 * Python code: CPU-bound work gains nothing from threads (I/O-bound work does, since a thread
 * waiting on I/O releases the lock), while multiprocessing gives every process its own
 * interpreter and lock, so CPU-bound work runs in parallel.
 *
 * <p>Java has no GIL: its threads already run in parallel on several cores. This program counts
 * primes below a limit on 1 thread, on 2 threads and in 2 worker processes, and prints the times.
 * With 2 free cores, 2 threads take about half the time of 1; 2 processes compute as fast as
 * 2 threads but each first pays a JVM start, which dominates work this small. The reasons to use
 * worker processes in Java are printed at the end. Argument: the limit (default {@value #DEFAULT_LIMIT}).
 */
public final class ThreadsVersusProcesses {
    private ThreadsVersusProcesses() {}

    static final int DEFAULT_LIMIT = 6_000_000;
    static final int PARTS = 2;
    /** Numbers are dealt out in blocks, so both parts get small and large numbers alike. */
    static final int BLOCK = 10_000;

    /** Counts the primes below {@code limit} in the blocks of part {@code part} of {@code parts}, printing progress. */
    static int countPrimes(int limit, int part, int parts, String who) {
        int blocks = (limit + BLOCK - 1) / BLOCK;
        int mine = 0;
        for (int b = part; b < blocks; b += parts) {
            mine++;
        }
        int done = 0;
        int nextReport = 25;
        int count = 0;
        for (int b = part; b < blocks; b += parts) {
            int end = Math.min(limit, (b + 1) * BLOCK);
            for (int x = b * BLOCK; x < end; x++) {
                if (isPrime(x)) {
                    count++;
                }
            }
            done++;
            while (mine > 0 && done * 100 / mine >= nextReport) {
                System.out.println(who + ": " + nextReport + "%");
                nextReport += 25;
            }
        }
        return count;
    }

    static boolean isPrime(int x) {
        if (x < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= x; d++) {
            if (x % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** One part of the count, in a worker process. Argument: [limit, part, parts]. */
    static final class CountPart implements Task<List<Integer>, Integer> {
        @Override
        public Integer call(List<Integer> a) {
            int count = countPrimes(a.get(0), a.get(1), a.get(2), "part " + a.get(1));
            // A Process target's result is discarded (as in Python), so the part says its count.
            System.out.println("part " + a.get(1) + ": " + count + " primes");
            return count;
        }
    }

    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_LIMIT;
        System.out.println("counting primes below " + limit + "; this machine has "
                + Runtime.getRuntime().availableProcessors() + " processors");

        System.out.println();
        System.out.println("1 thread:");
        long t0 = System.nanoTime();
        int one = countPrimes(limit, 0, 1, "  thread 0");
        long oneThread = millisSince(t0);
        System.out.println("1 thread: " + one + " primes in " + oneThread + " ms");

        System.out.println();
        System.out.println(PARTS + " threads:");
        AtomicInteger total = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        t0 = System.nanoTime();
        for (int part = 0; part < PARTS; part++) {
            int p = part;
            Thread t = new Thread(() -> total.addAndGet(countPrimes(limit, p, PARTS, "  thread " + p)));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long twoThreads = millisSince(t0);
        System.out.println(PARTS + " threads: " + total.get() + " primes in " + twoThreads + " ms");

        System.out.println();
        System.out.println(PARTS + " worker processes (their lines are tagged [name pid]):");
        List<WorkerProcess> workers = new ArrayList<>();
        t0 = System.nanoTime();
        for (int part = 0; part < PARTS; part++) {
            WorkerProcess w = new WorkerProcess(CountPart.class, List.of(limit, part, PARTS))
                    .setName("primes-" + part).setRuntime(ExampleRuntime.mirrored());
            w.start(); // returns when the worker's JVM is up
            workers.add(w);
        }
        long started = millisSince(t0);
        for (WorkerProcess w : workers) {
            w.join();
        }
        long twoProcesses = millisSince(t0);
        System.out.println(PARTS + " processes: done in " + twoProcesses + " ms (both JVMs were up after " + started
                + " ms)");

        System.out.println();
        System.out.println("timings: 1 thread " + oneThread + " ms, " + PARTS + " threads " + twoThreads + " ms, "
                + PARTS + " processes " + twoProcesses + " ms");
        System.out.println();
        System.out.println("""
                What this shows:
                - In CPython the GIL lets one thread run Python code at a time, so CPU-bound threads
                  do not speed up and multiprocessing is the way to use several cores.
                - Java has no GIL: Java threads run in parallel. Here %d threads took %d%% of the time
                  of 1 (about %d%% with %d free cores; more means the cores were busy with other work).
                  Worker processes do not make pure-Java CPU work faster; each costs a JVM start
                  and its own memory.
                - What worker processes add in Java is isolation: a crash (System.exit, OutOfMemoryError,
                  a segfault in native/JNI code), a leak of memory, threads or files, or a stuck call
                  stays in the worker, which can be terminated or killed (a thread cannot be safely);
                  each worker can have its own JVM options (-Xmx...) and environment; and the wire
                  protocol is plain protobuf over pipes, which programs in other languages can speak."""
                .formatted(PARTS, Math.round(100.0 * twoThreads / Math.max(1, oneThread)), 100 / PARTS, PARTS));
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
