package dev.procwire.bench;

import dev.procwire.OutputListener;
import dev.procwire.Task;
import dev.procwire.WorkerProcess;
import dev.procwire.codec.Codecs;
import dev.procwire.internal.LaunchSpec;
import dev.procwire.internal.SpawnStarter;
import dev.procwire.internal.StartedWorker;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.proto.v1.Submit;
import dev.procwire.transport.FrameLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * procwire figures beside the peer baseline (/work/shared/bench): prints {@code name: value unit}
 * lines on stdout, as the peer scripts do.
 *
 * <pre>
 *   java -cp bench/target/classes:$(cat bench/target/classpath.txt) dev.procwire.bench.Bench [spawn] [phases] [rtt] [pool] [cpu] [transports]
 * </pre>
 *
 * <ul>
 *   <li>{@code spawn}: {@code pw_spawn_ready[_min]} ms, {@code new WorkerProcess(Noop).start()} until it
 *       returns (the worker's Hello arrived), median/min of 20 after 2 warm-ups; each worker is joined.
 *   <li>{@code phases}: where spawn time goes: {@code pw_jvm_hello} (ProcessBuilder, the worker's java
 *       command line and classpath, but a main that writes one byte: time to that byte),
 *       {@code pw_spawn_launched} (internal {@code SpawnStarter.start} returns: process spawned, pipes
 *       and transport up) and {@code pw_spawn_hello} (its {@code connection().ready()} completes).
 *   <li>{@code rtt}: {@code pw_apply_rtt} us, sequential Submit(Square, 7) -> Result over the pipes of one
 *       serving worker (internal API, callbacks on a direct executor), median of 10000 after 20000 warm-up (the JIT has compiled the path by then; Python has no JIT to wait for).
 *   <li>{@code pool}, {@code cpu}: the process-pool rows, see {@link PoolBench}.
 *   <li>{@code transports}: round trip and 1 MiB throughput of each transport class (pipe, fifo,
 *       uds; {@code -Dbench.transports=pipe,uds} picks some) against a child process, see
 *       {@link TransportBench}. Not in the default set: {@code run.sh} asks for it.
 * </ul>
 *
 * Env {@code PIN=P,C}: this JVM (all its threads) is pinned to CPU P at start, so the worker it spawns
 * starts on P too; for the round trip the worker (all its threads) is then re-pinned to CPU C once it
 * is ready. Pinning uses {@code taskset -a -pc}. Unset: no pinning.
 */
public final class Bench {
    private static final int SPAWN_WARMUP = Integer.getInteger("bench.spawn.warmup", 2);
    private static final int SPAWN_RUNS = Integer.getInteger("bench.spawn.runs", 20);
    private static final int RTT_WARMUP = Integer.getInteger("bench.rtt.warmup", 20000);
    private static final int RTT_ITERS = Integer.getInteger("bench.rtt.iters", 10000);

    /** What a WorkerProcess's JVM gets: SpawnStarter's defaults (package-private there) and its quick-start options. */
    private static final List<String> WORKER_JVM_OPTIONS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("-XX:-UsePerfData", "-Xshare:auto"), SpawnStarter.QUICK_START_OPTIONS.stream()).toList();

    private Bench() {}

    /** The "tiny task" that returns at once (spawn figure). */
    public static final class Noop implements Task<Object, Object> {
        @Override
        public Object call(Object argument) {
            return null;
        }
    }

    /** The "tiny task" of the round trip: x*x, as the peer's f. */
    public static final class Square implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer x) {
            return x * x;
        }
    }

    /** For pw_jvm_hello: the JVM floor with the worker's options and classpath. */
    public static final class HelloByte {
        public static void main(String[] args) throws IOException {
            System.out.write('!');
            System.out.flush();
        }
    }

    public static void main(String[] args) throws Exception {
        Set<String> what = new LinkedHashSet<>(args.length == 0 ? List.of("spawn", "phases", "rtt", "pool", "cpu") : Arrays.asList(args));
        int[] pin = parsePin(System.getenv("PIN"));
        if (pin != null) {
            pinProcess(ProcessHandle.current().pid(), pin[0]);
        }
        int failed = 0;
        for (String w : what) {
            try {
                switch (w) {
                    case "spawn" -> spawn();
                    case "methods" -> StartMethodBench.run();
                    case "phases" -> phases();
                    case "rtt" -> rtt(pin);
                    case "pool" -> PoolBench.pool();
                    case "cpu" -> PoolBench.cpu();
                    case "transports" -> TransportBench.run(
                            Arrays.asList(System.getProperty("bench.transports", "pipe,fifo,uds").split(",")), pin);
                    default -> {
                        System.err.println("usage: Bench [spawn] [methods] [phases] [rtt] [pool] [cpu] [transports]"
                                + "   (env PIN=P,C pins parent/worker)");
                        System.exit(2);
                    }
                }
            } catch (Exception e) {
                failed++;
                // On stdout too, so run.sh records it beside the figures; the stack trace goes to stderr.
                System.out.println("# FAILED Bench " + w + ": " + String.valueOf(e).replace('\n', ' '));
                System.out.flush();
                e.printStackTrace();
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    // ---- spawn-to-ready, public API

    static void spawn() throws Exception {
        double[] ms = new double[SPAWN_RUNS];
        for (int i = -SPAWN_WARMUP; i < SPAWN_RUNS; i++) {
            long t0 = System.nanoTime();
            WorkerProcess p = new WorkerProcess(Noop.class);
            p.start();
            long t1 = System.nanoTime();
            p.join();
            if (p.exitCode() == null || p.exitCode() != 0) {
                throw new IllegalStateException("spawn worker ended with " + p.exitCode());
            }
            if (i >= 0) {
                ms[i] = (t1 - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        out("pw_spawn_ready", median(ms), "ms");
        out("pw_spawn_ready_min", ms[0], "ms");
    }

    // ---- where spawn time goes

    static void phases() throws Exception {
        double[] jvm = new double[SPAWN_RUNS];
        double[] launched = new double[SPAWN_RUNS];
        double[] hello = new double[SPAWN_RUNS];
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(WORKER_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HelloByte.class.getName());
        for (int i = -SPAWN_WARMUP; i < SPAWN_RUNS; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            InputStream in = p.getInputStream();
            if (in.read() != '!') {
                throw new IllegalStateException("no byte from " + cmd);
            }
            long t1 = System.nanoTime();
            p.waitFor();
            if (i >= 0) {
                jvm[i] = (t1 - t0) / 1e6;
            }
        }
        for (int i = -SPAWN_WARMUP; i < SPAWN_RUNS; i++) {
            long t0 = System.nanoTime();
            // As a WorkerProcess is spawned: with the quick-start options.
            StartedWorker w = new SpawnStarter().start(new LaunchSpec("bench-phases-" + i, "bench-phases-" + i,
                    SpawnStarter.QUICK_START_OPTIONS, Map.of(), null, FrameLimits.DEFAULT_MAX_FRAME_BYTES,
                    OutputListener.discard(), Runnable::run));
            long t1 = System.nanoTime();
            awaitReady(w);
            long t2 = System.nanoTime();
            stop(w);
            if (i >= 0) {
                launched[i] = (t1 - t0) / 1e6;
                hello[i] = (t2 - t0) / 1e6;
            }
        }
        Arrays.sort(jvm);
        Arrays.sort(launched);
        Arrays.sort(hello);
        out("pw_jvm_hello", median(jvm), "ms");
        out("pw_spawn_launched", median(launched), "ms");
        out("pw_spawn_hello", median(hello), "ms");
    }

    // ---- round trip, internal API

    static void rtt(int[] pin) throws Exception {
        Executor direct = Runnable::run; // futures complete on the transport's I/O thread: no extra hop
        StartedWorker w = new SpawnStarter().start(spec("bench-rtt-" + ProcessHandle.current().pid(), direct));
        awaitReady(w);
        if (pin != null && pin[1] != pin[0]) {
            pinProcess(w.process().pid(), pin[1]);
        }
        String function = "java:" + Square.class.getName();
        Payload seven = Codecs.encode(7);
        double[] us = new double[RTT_ITERS];
        for (int i = -RTT_WARMUP; i < RTT_ITERS; i++) {
            long t0 = System.nanoTime();
            Frame answer = w.connection().request(id -> Frame.newBuilder().setSubmit(
                    Submit.newBuilder().setRequestId(id).setFunction(function).setArgument(seven)).build()).get();
            Object value = answer.hasResult() ? Codecs.decode(answer.getResult().getValue()) : answer;
            long t1 = System.nanoTime();
            if (!Integer.valueOf(49).equals(value)) {
                throw new IllegalStateException("Square(7) answered " + value);
            }
            if (i >= 0) {
                us[i] = (t1 - t0) / 1e3;
            }
        }
        stop(w);
        Arrays.sort(us);
        out("pw_apply_rtt", median(us), "us");
    }

    // ---- helpers

    private static LaunchSpec spec(String id, Executor callbacks) {
        return new LaunchSpec(id, id, List.of(), Map.of(), null, FrameLimits.DEFAULT_MAX_FRAME_BYTES,
                OutputListener.discard(), callbacks);
    }

    /** Waits for the handshake; if it fails, says why with the worker's exit status and stderr. */
    private static void awaitReady(StartedWorker w) throws InterruptedException {
        try {
            w.connection().ready().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Process p = w.process();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
            String status = p.isAlive() ? "still alive" : "exit status " + p.exitValue();
            throw new IllegalStateException("worker pid " + p.pid() + " gave no handshake (" + status + "; "
                    + (e.getCause() != null ? e.getCause().getMessage() : e) + "); its stderr: "
                    + w.stderr().tail(2000), e);
        }
    }

    /** Shutdown{graceful:false}, wait for the exit, kill if it does not come. */
    private static void stop(StartedWorker w) throws InterruptedException {
        w.connection().transport().send(Frame.newBuilder()
                .setShutdown(Shutdown.newBuilder().setGraceful(false).setReason("bench done")).build());
        if (!w.process().waitFor(5, TimeUnit.SECONDS)) {
            w.process().destroyForcibly();
            w.process().waitFor(5, TimeUnit.SECONDS);
        }
        try {
            w.connection().closed().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            w.connection().transport().shutdownNow("bench done");
        }
    }

    private static int[] parsePin(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String[] parts = s.split(",");
        if (parts.length != 2) {
            throw new IllegalArgumentException("PIN must be P,C, got " + s);
        }
        return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
    }

    /** Pins every thread of process {@code pid} to {@code cpu}; new threads inherit it from their creator. */
    static void pinProcess(long pid, int cpu) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("taskset", "-a", "-pc", Integer.toString(cpu), Long.toString(pid))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("taskset -a -pc " + cpu + " " + pid + " failed: " + p.exitValue());
        }
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** As the peer's common.out: 0 decimals from 1000, 1 from 10, else 3. */
    static void out(String name, double value, String unit) {
        String fmt = value >= 1000 ? "%.0f" : value >= 10 ? "%.1f" : "%.3f";
        System.out.println(name + ": " + String.format(Locale.ROOT, fmt, value) + " " + unit);
        System.out.flush();
    }
}
