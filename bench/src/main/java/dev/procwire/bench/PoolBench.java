package dev.procwire.bench;

import dev.procwire.ProcessPool;
import dev.procwire.ProcessPoolExecutor;
import dev.procwire.Task;
import dev.procwire.TaskFuture;
import dev.procwire.WorkerProcess;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The pool rows of issue 4 item 6, measured as the peer's {@code peer/py_pool.py} and
 * {@code peer/py_cpu.py} measure theirs (same N, chunksize, repetitions and units):
 *
 * <ul>
 *   <li>{@code pool}: one {@code ProcessPool.builder().processes(2)} (Python: {@code mp.Pool(2)}),
 *       created and warmed before any timing; throughputs in tasks/s, median of 3 reps:
 *       {@code pw_pool_map_tiny} (map of x*x over range(200000), default chunking),
 *       {@code pw_pool_map_tiny_chunk1} (range(20000), chunksize 1), {@code pw_pool_imap_tiny}
 *       (imap chunksize 1 over range(20000), drained); {@code pw_apply_seq} us, median of 5000
 *       sequential {@code pool.apply(Square, 1)}. Then, the pool closed, a
 *       {@code ProcessPoolExecutor.create(2)} (Python: {@code ProcessPoolExecutor(2)}):
 *       {@code pw_executor_submit} us, median of 5000 sequential {@code submit(Square, 1).get()};
 *       {@code pw_executor_submit_tput} tasks/s, 20000 submits then waiting for all, median of 3.
 *       Detail: CPU time per task of this JVM and of the workers during the timed reps
 *       ({@code _cpu_parent}, {@code _cpu_workers}, us/task).
 *   <li>{@code cpu}: primes below 200000 by trial division in interleaved blocks of 2000 (the
 *       peer's algorithm), median of 5 ms: {@code pw_cpu_1proc} / {@code pw_cpu_2proc} = 1 / 2
 *       {@code WorkerProcess}es started, run, joined (start and join inside the timing, as the
 *       peer's two_procs), {@code pw_cpu_speedup} = 1proc / 2proc. Detail: {@code pw_cpu_inproc}
 *       (the count in this JVM, as the peer's 1proc figure), {@code pw_cpu_2proc_started} (until
 *       both workers were up), {@code pw_cpu_2proc_compute} (the longer of the two workers' own count
 *       times), and the same split on already started, warm pools of 1 and 2 workers
 *       ({@code pw_cpu_pool_1proc/_2proc/_speedup}; per pool {@code _compute}, {@code _lead},
 *       {@code _tail}, {@code _workers_used}, see {@link PoolRun}; {@code _prefetch1}: the same on a
 *       pool built with {@code prefetch(1)}).
 * </ul>
 */
final class PoolBench {
    static final int WARMUP_ROUNDS = Integer.getInteger("bench.pool.warmup", 3);
    static final long WARMUP_SECONDS = Long.getLong("bench.pool.warmupSeconds", 10);
    static final int APPLY_ITERS = Integer.getInteger("bench.apply.iters", 5000);
    static final int APPLY_WARMUP = Integer.getInteger("bench.apply.warmup", 5000);

    private PoolBench() {}

    /** The peer's f: x*x, as a long (Python's ints do not overflow; 199999^2 does not fit an int). */
    public static final class Square implements Task<Integer, Long> {
        @Override
        public Long call(Integer x) {
            return (long) x * x;
        }
    }

    /**
     * The peer's count(worker, nworkers): primes in blocks worker, worker+n, ... of BLOCK numbers
     * below N. Argument [worker, nworkers]; result [count, nanoseconds the count took in this process,
     * this process's pid, System.nanoTime() when the count began].
     */
    public static final class Count implements Task<List<Integer>, List<Object>> {
        @Override
        public List<Object> call(List<Integer> a) {
            long t0 = System.nanoTime();
            int c = count(a.get(0), a.get(1), a.size() > 2 ? a.get(2) : CPU_N);
            return List.of(c, System.nanoTime() - t0, ProcessHandle.current().pid(), t0);
        }
    }

    static final int CPU_N = 200_000;
    static final int CPU_BLOCK = 2_000;
    static final int PRIMES_BELOW_N = 17984;
    static final int CPU_N_EQUAL = 2_000_000;
    static final int PRIMES_BELOW_N_EQUAL = 148_933;

    static boolean isPrime(int n) {
        if (n < 2 || n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    static int count(int worker, int nworkers) {
        return count(worker, nworkers, CPU_N);
    }

    static int count(int worker, int nworkers, int limit) {
        int c = 0;
        for (int b = worker * CPU_BLOCK; b < limit; b += nworkers * CPU_BLOCK) {
            int end = Math.min(b + CPU_BLOCK, limit);
            for (int n = b; n < end; n++) {
                if (isPrime(n)) {
                    c++;
                }
            }
        }
        return c;
    }

    /** Python's range(n), as a list that costs nothing to make. */
    static List<Integer> range(int n) {
        return new AbstractList<>() {
            @Override
            public Integer get(int i) {
                return i;
            }

            @Override
            public int size() {
                return n;
            }
        };
    }

    // ---- pool

    interface Run {
        void run() throws Exception;
    }

    /** CPU nanoseconds of this JVM and of its child processes (the pool's workers). */
    private static long parentCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long childrenCpu() {
        return ProcessHandle.current().children()
                .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    /**
     * As the peer's rate(): median over reps of n / seconds, after WARMUP_ROUNDS untimed runs and
     * then more until {@link #WARMUP_SECONDS} have passed: the JIT of the JVM and of the workers
     * is warm (a pool lives long; the first second of a fresh pool runs 1/3 as fast). The rate of
     * the first runs is printed too, as {@code <name>_cold}. Python, which has no JIT, is measured
     * as the peer measures it.
     */
    private static void rate(String name, int n, Run fn) throws Exception {
        long warmStart = System.nanoTime();
        double[] cold = new double[WARMUP_ROUNDS];
        for (int i = 0; i < WARMUP_ROUNDS; i++) {
            long t = System.nanoTime();
            fn.run();
            cold[i] = n / ((System.nanoTime() - t) / 1e9);
        }
        while (System.nanoTime() - warmStart < WARMUP_SECONDS * 1_000_000_000L) {
            fn.run();
        }
        if (cold.length > 0) {
            Arrays.sort(cold);
            Bench.out(name + "_cold", Bench.median(cold), "tasks/s");
        }
        double[] rates = new double[3];
        long p0 = parentCpu();
        long c0 = childrenCpu();
        for (int i = 0; i < rates.length; i++) {
            long t = System.nanoTime();
            fn.run();
            rates[i] = n / ((System.nanoTime() - t) / 1e9);
        }
        long p1 = parentCpu();
        long c1 = childrenCpu();
        Arrays.sort(rates);
        Bench.out(name, Bench.median(rates), "tasks/s");
        double tasks = (double) n * rates.length;
        Bench.out(name + "_cpu_parent", (p1 - p0) / 1e3 / tasks, "us");
        Bench.out(name + "_cpu_workers", (c1 - c0) / 1e3 / tasks, "us");
    }

    static void pool() throws Exception {
        int failed = 0;
        try (ProcessPool pool = ProcessPool.builder().processes(2).build()) {
            // As the peer: the pool exists and its workers are started before timing; its warm-up
            // is one map of 10000. Each figure below also gets WARMUP_ROUNDS untimed runs (JIT).
            failed += figure("pw_pool_warmup", () -> check(pool.map(Square.class, range(10_000)), 10_000));
            failed += figure("pw_pool_map_tiny", () -> rate("pw_pool_map_tiny", 200_000,
                    () -> check(pool.map(Square.class, range(200_000)), 200_000)));
            failed += figure("pw_pool_map_tiny_chunk1", () -> rate("pw_pool_map_tiny_chunk1", 20_000,
                    () -> check(pool.map(Square.class, range(20_000), 1), 20_000)));
            failed += figure("pw_pool_imap_tiny", () -> rate("pw_pool_imap_tiny", 20_000, () -> {
                int k = 0;
                for (Iterator<Long> it = pool.imap(Square.class, range(20_000), 1); it.hasNext(); k++) {
                    Long v = it.next();
                    if (k == 19_999 && v != 19_999L * 19_999L) {
                        throw new IllegalStateException("imap gave " + v + " for 19999");
                    }
                }
                if (k != 20_000) {
                    throw new IllegalStateException("imap gave " + k + " results");
                }
            }));
            failed += figure("pw_apply_seq", () -> applySeq(pool));
            pool.close();
            pool.join();
        }
        // As the peer: a new executor of 2 workers once the pool is gone.
        try (ProcessPoolExecutor ex = ProcessPoolExecutor.create(2)) {
            failed += figure("pw_executor_warmup", () -> {
                List<TaskFuture<Long>> fs = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    fs.add(ex.submit(Square.class, i)); // the peer: list(ex.map(f, range(1000)))
                }
                for (TaskFuture<Long> f : fs) {
                    f.get();
                }
            });
            failed += figure("pw_executor_submit", () -> latency("pw_executor_submit", () -> {
                Long v = ex.submit(Square.class, 1).get();
                if (v != 1L) {
                    throw new IllegalStateException("submit(Square, 1) gave " + v);
                }
            }));
            failed += figure("pw_executor_submit_tput", () -> rate("pw_executor_submit_tput", 20_000, () -> {
                List<TaskFuture<Long>> fs = new ArrayList<>(20_000);
                for (int i = 0; i < 20_000; i++) {
                    fs.add(ex.submit(Square.class, i));
                }
                CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(); // the peer: wait(fs)
            }));
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " pool figure(s) failed, see above");
        }
    }

    /** Runs one figure; a failure is reported on stderr and counted, and the next figure runs. */
    private static int figure(String name, Run fn) {
        try {
            fn.run();
            return 0;
        } catch (Exception | Error e) {
            // On stdout, so run.sh records it beside the figures; the stack trace goes to stderr.
            System.out.println("# FAILED " + name + ": " + String.valueOf(e).replace('\n', ' '));
            System.out.flush();
            e.printStackTrace();
            return 1;
        }
    }

    private static void applySeq(ProcessPool pool) throws Exception {
        latency("pw_apply_seq", () -> {
            Long v = pool.apply(Square.class, 1);
            if (v != 1L) {
                throw new IllegalStateException("apply(Square, 1) gave " + v);
            }
        });
    }

    /**
     * As the peer's median_us(): median us of APPLY_ITERS sequential calls, after APPLY_WARMUP
     * untimed ones (the peer: 200; more here for the JIT); also CPU per call of this JVM and the workers.
     */
    private static void latency(String name, Run fn) throws Exception {
        double[] us = new double[APPLY_ITERS];
        long p0 = 0;
        long c0 = 0;
        for (int i = -APPLY_WARMUP; i < APPLY_ITERS; i++) {
            if (i == 0) {
                p0 = parentCpu();
                c0 = childrenCpu();
            }
            long t0 = System.nanoTime();
            fn.run();
            long t1 = System.nanoTime();
            if (i >= 0) {
                us[i] = (t1 - t0) / 1e3;
            }
        }
        long p1 = parentCpu();
        long c1 = childrenCpu();
        Arrays.sort(us);
        Bench.out(name, Bench.median(us), "us");
        Bench.out(name + "_cpu_parent", (p1 - p0) / 1e3 / APPLY_ITERS, "us");
        Bench.out(name + "_cpu_workers", (c1 - c0) / 1e3 / APPLY_ITERS, "us");
    }

    private static void check(List<Long> results, int n) {
        if (results.size() != n || results.get(n - 1) != (long) (n - 1) * (n - 1)) {
            throw new IllegalStateException("map gave " + results.size() + " results, last "
                    + (results.isEmpty() ? "-" : results.get(results.size() - 1)));
        }
    }

    // ---- cpu

    static void cpu() throws Exception {
        // The peer's 1proc figure: count(0, 1) in the calling process, median of 5.
        double[] inproc = new double[5];
        for (int i = 0; i < inproc.length; i++) {
            long t = System.nanoTime();
            int c = count(0, 1);
            inproc[i] = (System.nanoTime() - t) / 1e6;
            checkCount(c);
        }
        // 1 and 2 worker processes, start and join included (the peer's two_procs). The workers are
        // started with startAsync, so their JVM start-ups overlap as the peer's p.start() calls do.
        double[] one = new double[5];
        double[] two = new double[5];
        for (int i = 0; i < 5; i++) {
            one[i] = procs(1);
            two[i] = procs(2);
        }
        Arrays.sort(inproc);
        Arrays.sort(one);
        Arrays.sort(two);
        double t1 = Bench.median(one);
        double t2 = Bench.median(two);
        Bench.out("pw_cpu_1proc", t1, "ms");
        Bench.out("pw_cpu_2proc", t2, "ms");
        Bench.out("pw_cpu_speedup", t1 / t2, "x");
        Bench.out("pw_cpu_inproc", Bench.median(inproc), "ms");
        Bench.out("pw_cpu_2proc_started", medianOf(STARTED_2PROC), "ms");
        Bench.out("pw_cpu_2proc_compute", medianOf(COMPUTE_2PROC), "ms");

        // The same split on started, warm pools of 1 and 2 workers: what the count itself scales to.
        PoolRun p1 = poolCount(1, 2);
        PoolRun p2 = poolCount(2, 2);
        // Diagnostic: with prefetch 1 a worker holds one task at a time, so the 2 parts go to 2 workers.
        PoolRun p2one = poolCount(2, 1);
        p1.out("pw_cpu_pool_1proc");
        p2.out("pw_cpu_pool_2proc");
        Bench.out("pw_cpu_pool_speedup", p1.total / p2.total, "x");
        p2one.out("pw_cpu_pool_2proc_prefetch1");
        Bench.out("pw_cpu_pool_speedup_prefetch1", p1.total / p2one.total, "x");

        // Equal work: Java counts primes below 200000 about 25 times faster than Python, so JVM
        // start-up swamps that count. Below 2,000,000 one Java process works about as long as
        // Python's one process does below 200000: the same method (start and join included).
        equalWork("pw_cpu_equal", null, 0);
        // The same equal work on started pools (the workers' start-up out of the timing).
        PoolRun[] equal = pairedPoolCounts(CPU_N_EQUAL, PRIMES_BELOW_N_EQUAL);
        PoolRun e1 = equal[0];
        PoolRun e2 = equal[1];
        e1.out("pw_cpu_equal_pool_1proc");
        e2.out("pw_cpu_equal_pool_2proc");
        Bench.out("pw_cpu_equal_pool_speedup", e1.total / e2.total, "x");
        // Equal work, start and join inside the timing as the peer's, but started as Python's
        // default (fork) starts its children: in a millisecond or two, by the fork server, which
        // holds 2 workers ready (their JIT cold, as a forked Python's interpreter is not). The
        // server starts first (untimed) and gets 1.5 s to refill before each timed start.
        dev.procwire.ProcwireRuntime forkserver = dev.procwire.ProcwireRuntime.getContext("forkserver");
        procs(1, CPU_N, PRIMES_BELOW_N, forkserver);
        equalWork("pw_cpu_equal_forkserver", forkserver, 1500);
        // The ceiling on this machine: the same count in plain JVMs (no procwire), one counting
        // all, then two counting half each at once. Two busy vCPUs of a VM need not give twice
        // one's work (here a half took 83 to 101 ms in one of the two JVMs, 82 ms alone).
        double whole = plainCount(1, CPU_N_EQUAL);
        double halves = plainCount(2, CPU_N_EQUAL);
        Bench.out("pw_cpu_plain_1proc", whole, "ms");
        Bench.out("pw_cpu_plain_2proc", halves, "ms");
        Bench.out("pw_cpu_plain_speedup", whole / halves, "x");
    }

    /**
     * The count below 2,000,000 in 1 and in 2 worker processes of {@code runtime} (null: the
     * default one), start and join inside, 3 reps each, {@code pauseMillis} before every start:
     * prints {@code name}_1proc, _2proc (medians, ms) and _speedup.
     */
    private static void equalWork(String name, dev.procwire.ProcwireRuntime runtime, long pauseMillis)
            throws Exception {
        double[] one = new double[3];
        double[] two = new double[3];
        for (int i = 0; i < 3; i++) {
            Thread.sleep(pauseMillis);
            one[i] = procs(1, CPU_N_EQUAL, PRIMES_BELOW_N_EQUAL, runtime);
            Thread.sleep(pauseMillis);
            two[i] = procs(2, CPU_N_EQUAL, PRIMES_BELOW_N_EQUAL, runtime);
        }
        Arrays.sort(one);
        Arrays.sort(two);
        Bench.out(name + "_1proc", one[1], "ms");
        Bench.out(name + "_2proc", two[1], "ms");
        Bench.out(name + "_speedup", one[1] / two[1], "x");
    }

    /**
     * ms for the count below {@code limit} split over {@code n} plain JVMs running at once: the
     * slowest one's median round after its JIT warm-up (see {@link PlainCount}).
     */
    private static double plainCount(int n, int limit) throws Exception {
        List<Process> ps = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            ps.add(new ProcessBuilder(dev.procwire.internal.SpawnStarter.javaOfThisJvm(), "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), PlainCount.class.getName(),
                    Integer.toString(k), Integer.toString(n), Integer.toString(limit), "16")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        double slowest = 0;
        for (Process p : ps) {
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("plain count JVM exited with " + p.exitValue());
            }
            slowest = Math.max(slowest, Double.parseDouble(out));
        }
        return slowest;
    }

    /** Per timed rep: the longer of the workers' own count times; when both 2proc workers were up. */
    private static final List<Double> COMPUTE_2PROC = new ArrayList<>();
    private static final List<Double> STARTED_2PROC = new ArrayList<>();

    /**
     * The count on a started pool, medians over the timed reps, ms: total (map call), compute (the
     * longest part, timed in its worker), lead (map called until the first part began computing),
     * tail (the last part done until map returned); and the most distinct workers that ran the
     * parts in one rep. Lead and tail compare System.nanoTime across processes: CLOCK_MONOTONIC on Linux.
     */
    private record PoolRun(double total, double compute, double lead, double tail, double workersUsed) {
        void out(String name) {
            Bench.out(name, total, "ms");
            Bench.out(name + "_compute", compute, "ms");
            Bench.out(name + "_lead", lead, "ms");
            Bench.out(name + "_tail", tail, "ms");
            Bench.out(name + "_workers_used", workersUsed, "workers");
        }
    }

    private static double medianOf(List<Double> xs) {
        return Bench.median(xs.stream().mapToDouble(Double::doubleValue).sorted().toArray());
    }

    /** ms to start n workers counting their share, and join them; records the longest count time when n == 2. */
    private static double procs(int n) throws Exception {
        return procs(n, CPU_N, PRIMES_BELOW_N);
    }

    private static double procs(int n, int limit, int expected) throws Exception {
        return procs(n, limit, expected, null);
    }

    /** As {@link #procs(int, int, int)}, the workers started by {@code runtime} (null: the default one). */
    private static double procs(int n, int limit, int expected, dev.procwire.ProcwireRuntime runtime) throws Exception {
        long t = System.nanoTime();
        List<WorkerProcess> ws = new ArrayList<>();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            WorkerProcess w = new WorkerProcess(Count.class, List.of(k, n, limit));
            if (runtime != null) {
                w.setRuntime(runtime);
            }
            ws.add(w);
            started.add(w.startAsync());
        }
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
        double up = (System.nanoTime() - t) / 1e6;
        for (WorkerProcess w : ws) {
            w.join();
        }
        double ms = (System.nanoTime() - t) / 1e6;
        int total = 0;
        long longest = 0;
        for (WorkerProcess w : ws) {
            if (w.exitCode() == null || w.exitCode() != 0 || !(w.result() instanceof List<?> r)) {
                throw new IllegalStateException("count worker ended with " + w.exitCode() + ", "
                        + w.failure().map(Throwable::toString).orElse("result " + w.result()));
            }
            total += ((Number) r.get(0)).intValue();
            longest = Math.max(longest, ((Number) r.get(1)).longValue());
        }
        if (total != expected) {
            throw new IllegalStateException("counted " + total + " primes below " + limit + ", expected " + expected);
        }
        if (n == 2 && limit == CPU_N) {
            COMPUTE_2PROC.add(longest / 1e6);
            STARTED_2PROC.add(up);
        }
        return ms;
    }

    /** Timed rounds of a count on a started pool; the median is reported. */
    static final int TIMED_POOL_COUNTS = 9;

    /**
     * The count on a started pool of n workers (prefetch: the pool option; 2 is its default),
     * after WARMUP_ROUNDS and WARMUP_SECONDS of warm-up.
     */
    private static PoolRun poolCount(int n, int prefetch) throws Exception {
        return poolCount(n, prefetch, CPU_N, PRIMES_BELOW_N);
    }

    private static PoolRun poolCount(int n, int prefetch, int limit, int expected) throws Exception {
        try (PoolCounter counter = new PoolCounter(n, prefetch, limit, expected)) {
            counter.warmUp();
            for (int i = 0; i < TIMED_POOL_COUNTS; i++) {
                counter.round(true);
            }
            return counter.result();
        }
    }

    /**
     * The count on started, warm pools of 1 and of 2 workers, in alternating rounds (1, 2, 1, 2,
     * ...), both pools up throughout: each pair of rounds sees the same state of the machine, where
     * two sets of rounds taken one after the other saw the VM's vCPUs at different speeds (the
     * one-worker count took 159.6 ms in a run whose plain one-JVM count took 173.3; 162-177 ms in
     * other runs), which moved the ratio by more than the target's margin.
     */
    private static PoolRun[] pairedPoolCounts(int limit, int expected) throws Exception {
        try (PoolCounter one = new PoolCounter(1, 1, limit, expected);
                PoolCounter two = new PoolCounter(2, 1, limit, expected)) {
            one.warmUp();
            two.warmUp();
            for (int i = 0; i < TIMED_POOL_COUNTS; i++) {
                one.round(true);
                two.round(true);
            }
            return new PoolRun[] {one.result(), two.result()};
        }
    }

    /** A started pool of n workers that counts the primes below a limit in n parts, round by round. */
    private static final class PoolCounter implements AutoCloseable {
        private final ProcessPool pool;
        private final List<List<Integer>> parts = new ArrayList<>();
        private final int limit;
        private final int expected;
        private final List<Double> total = new ArrayList<>();
        private final List<Double> compute = new ArrayList<>();
        private final List<Double> lead = new ArrayList<>();
        private final List<Double> tail = new ArrayList<>();
        private double workers;

        PoolCounter(int n, int prefetch, int limit, int expected) {
            this.limit = limit;
            this.expected = expected;
            for (int k = 0; k < n; k++) {
                parts.add(List.of(k, n, limit));
            }
            pool = ProcessPool.builder().processes(n).prefetch(prefetch).build();
        }

        /**
         * As the throughput rows: WARMUP_ROUNDS untimed rounds, then more until WARMUP_SECONDS
         * have passed, so the workers' task path is compiled (a fresh worker's first dozen tasks
         * each begin a millisecond or more late).
         */
        void warmUp() throws Exception {
            long warmStart = System.nanoTime();
            for (int i = 0; i < WARMUP_ROUNDS || System.nanoTime() - warmStart < WARMUP_SECONDS * 1_000_000_000L; i++) {
                round(false);
            }
        }

        /** One map of the parts, checked; recorded if {@code timed}. */
        void round(boolean timed) throws Exception {
            long t0 = System.nanoTime();
            List<List<Object>> rs = pool.map(Count.class, parts, 1);
            long t1 = System.nanoTime();
            int counted = rs.stream().mapToInt(r -> ((Number) r.get(0)).intValue()).sum();
            if (counted != expected) {
                throw new IllegalStateException("counted " + counted + " primes below " + limit + ", expected " + expected);
            }
            if (!timed) {
                return;
            }
            long firstStart = Long.MAX_VALUE;
            long lastEnd = Long.MIN_VALUE;
            long longest = 0;
            for (List<Object> r : rs) {
                long took = ((Number) r.get(1)).longValue();
                long start = ((Number) r.get(3)).longValue();
                longest = Math.max(longest, took);
                firstStart = Math.min(firstStart, start);
                lastEnd = Math.max(lastEnd, start + took);
            }
            total.add((t1 - t0) / 1e6);
            compute.add(longest / 1e6);
            lead.add((firstStart - t0) / 1e6);
            tail.add((t1 - lastEnd) / 1e6);
            workers = Math.max(workers, rs.stream().map(r -> r.get(2)).distinct().count());
        }

        PoolRun result() {
            return new PoolRun(medianOf(total), medianOf(compute), medianOf(lead), medianOf(tail), workers);
        }

        @Override
        public void close() throws InterruptedException {
            pool.close();
            pool.join();
        }
    }

    private static void checkCount(int c) {
        if (c != PRIMES_BELOW_N) {
            throw new IllegalStateException("counted " + c + " primes below " + CPU_N + ", expected " + PRIMES_BELOW_N);
        }
    }
}
