package dev.procwire.bench;

import dev.procwire.ProcessPool;
import dev.procwire.ProcwireRuntime;
import dev.procwire.WorkerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Spawn-to-ready for each start method but spawn (which {@code Bench spawn} measures), and an idle
 * worker's resident memory.
 *
 * <ul>
 *   <li>{@code pw_<method>_ready[_min]} ms: {@code new WorkerProcess(Noop).start()} until it returns
 *       (the worker's handshake is done) on a runtime of that start method, median/min of 20 after 60
 *       warm-up starts (the JIT has compiled the hand-out path by then, as for the round trips),
 *       with a pause before each start long enough for the method to have a worker ready again
 *       (its steady state under a request rate it can keep up with).
 *   <li>{@code pw_idle_rss} MiB: VmRSS of a pool worker that started and then idled for 2 s;
 *       {@code pw_idle_pss} MiB its proportional share (smaps_rollup), which counts shared pages
 *       (the CDS archive, libjvm) once across workers.
 * </ul>
 */
final class StartMethodBench {
    private static final long PAUSE_MILLIS = Long.getLong("bench.methods.pause", 400);
    /** Starts before the timed ones, so the JIT has compiled the hand-out path (steady state, as for the round trips). */
    private static final int WARMUP = Integer.getInteger("bench.methods.warmup", 60);
    private static final long WARMUP_PAUSE_MILLIS = Long.getLong("bench.methods.warmupPause", 200);

    private StartMethodBench() {}

    static void run() throws Exception {
        for (String method : ProcwireRuntime.START_METHODS) {
            if (!method.equals("spawn")) {
                ready(method);
            }
        }
        idleMemory();
    }

    private static void ready(String method) throws Exception {
        int runs = Integer.getInteger("bench.spawn.runs", 20);
        double[] ms = new double[runs];
        try (ProcwireRuntime rt = ProcwireRuntime.builder().startMethod(method).warmWorkers(1).build()) {
            for (int i = -WARMUP; i < runs; i++) {
                Thread.sleep(i < 0 ? WARMUP_PAUSE_MILLIS : PAUSE_MILLIS);
                long t0 = System.nanoTime();
                WorkerProcess p = new WorkerProcess(Bench.Noop.class).setRuntime(rt);
                p.start();
                long t1 = System.nanoTime();
                p.join();
                if (p.exitCode() == null || p.exitCode() != 0) {
                    throw new IllegalStateException(method + " worker ended with " + p.exitCode());
                }
                if (i >= 0) {
                    ms[i] = (t1 - t0) / 1e6;
                }
            }
        }
        Arrays.sort(ms);
        Bench.out("pw_" + method + "_ready", Bench.median(ms), "ms");
        Bench.out("pw_" + method + "_ready_min", ms[0], "ms");
    }

    private static void idleMemory() throws Exception {
        try (ProcessPool pool = ProcessPool.builder().processes(1).build()) {
            long pid = (Long) pool.apply(Pid.class, null);
            Thread.sleep(2000);
            Bench.out("pw_idle_rss", kib(Path.of("/proc/" + pid + "/status"), "VmRSS:") / 1024.0, "MiB");
            Bench.out("pw_idle_pss", kib(Path.of("/proc/" + pid + "/smaps_rollup"), "Pss:") / 1024.0, "MiB");
        }
    }

    /** The worker's own pid. */
    public static final class Pid implements dev.procwire.Task<Object, Long> {
        @Override
        public Long call(Object ignored) {
            return ProcessHandle.current().pid();
        }
    }

    private static long kib(Path file, String field) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (String l : lines) {
            if (l.startsWith(field)) {
                return Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + field + " in " + file);
    }
}
