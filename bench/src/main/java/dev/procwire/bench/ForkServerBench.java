package dev.procwire.bench;

import dev.procwire.OutputListener;
import dev.procwire.WorkerTransport;
import dev.procwire.internal.ForkServerStarter;
import dev.procwire.internal.LaunchSpec;
import dev.procwire.internal.SpawnStarter;
import dev.procwire.internal.StartedWorker;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.transport.FrameLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The forkserver start method's figures: median time from {@code start()} to the handshake's
 * completion (the Welcome sent: {@code ready()} completes) over {@value #RUNS} starts with a warm server (it has workers ready: a pause after each start
 * lets it refill), and the idle RSS of a worker handed out (VmRSS, /proc/PID/status, half a
 * second after its handshake). Prints {@code name: value unit} lines, as {@link Bench} does.
 * Run: {@code java -cp bench/target/classes:$(cat bench/target/classpath.txt)
 * dev.procwire.bench.ForkServerBench}; {@code -Dpause=ms} (default 1000) between starts,
 * {@code -Dwarmup=n} (default 5) starts not counted.
 */
public final class ForkServerBench {
    private static final int RUNS = 50;
    private static final int WARMUP = Integer.getInteger("warmup", 5);
    private static final long REFILL_PAUSE_MILLIS = Long.getLong("pause", 1_000);

    private ForkServerBench() {}

    public static void main(String[] args) throws Exception {
        ForkServerStarter starter = new ForkServerStarter(SpawnStarter.javaOfThisJvm(),
                System.getProperty("java.class.path"), Duration.ofSeconds(30));
        double[] ready = new double[RUNS];
        double[] started = new double[RUNS];
        long[] rss = new long[RUNS];
        long serverRss = 0;
        try {
            for (int i = -WARMUP; i < RUNS; i++) {
                Thread.sleep(REFILL_PAUSE_MILLIS);
                String id = "fsbench-" + (i + WARMUP);
                LaunchSpec spec = new LaunchSpec(id, id, List.of(), Map.of(), null, 0, FrameLimits.DEFAULT_MAX_FRAME_BYTES,
                        OutputListener.discard(), Runnable::run, WorkerTransport.PIPE, List.of(), false);
                long t0 = System.nanoTime();
                StartedWorker w = starter.start(spec);
                long t1 = System.nanoTime();
                // A worker handed out ready has its handshake done when start() returns.
                java.util.concurrent.atomic.AtomicLong handshakeDone = new java.util.concurrent.atomic.AtomicLong();
                w.connection().ready().thenRun(() -> handshakeDone.set(System.nanoTime())).get(30, TimeUnit.SECONDS);
                long t2 = Math.max(t1, handshakeDone.get());
                if (i >= 0) {
                    started[i] = (t1 - t0) / 1e6;
                    ready[i] = (t2 - t0) / 1e6;
                    if (i % 10 == 0) { // RSS for one in ten: each costs the half second it waits
                        Thread.sleep(500);
                        rss[i / 10] = vmRssKib(w.process().pid());
                        serverRss = vmRssKib(w.process().toHandle().parent().orElseThrow().pid());
                    }
                }
                w.connection().transport().send(Frame.newBuilder()
                        .setShutdown(Shutdown.newBuilder().setGraceful(false).setReason("bench")).build());
                if (!w.process().waitFor(10, TimeUnit.SECONDS)) {
                    w.process().destroyForcibly();
                    w.process().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            starter.close();
        }
        Arrays.sort(ready);
        Arrays.sort(started);
        long[] rssTaken = Arrays.stream(rss).filter(k -> k > 0).sorted().toArray();
        System.out.printf("pw_forkserver_started: %.3f ms (median of %d; start() returns)%n", started[RUNS / 2], RUNS);
        System.out.printf("pw_forkserver_ready: %.3f ms (median of %d, start() to handshake done; min %.3f, p90 %.3f)%n",
                ready[RUNS / 2], RUNS,
                ready[0], ready[RUNS * 9 / 10]);
        System.out.printf("pw_forkserver_idle_rss: %.1f MiB (median of %d workers)%n",
                rssTaken[rssTaken.length / 2] / 1024.0, rssTaken.length);
        System.out.printf("pw_forkserver_server_rss: %.1f MiB (the fork server's own JVM, with 2 workers ready)%n",
                serverRss / 1024.0);
    }

    private static long vmRssKib(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    }
}
