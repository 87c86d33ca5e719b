package dev.procwire.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Output;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.RuntimeDirectory;
import dev.procwire.transport.Termination;
import dev.procwire.transport.Transport;
import dev.procwire.transport.fifo.FifoPair;
import dev.procwire.transport.pipe.ChildPipes;
import dev.procwire.transport.uds.UnixSocketServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The transport rows of issue 3 item 6: each transport class of the transport module, on the
 * shared Netty epoll loop in this JVM (the runtime side), against a real child process,
 * {@link TransportPeer}, a plain blocking reader/writer on the same kind of descriptor.
 *
 * <ul>
 *   <li>{@code pw_<kind>_rtt} / {@code _p99}: us, median / 99th percentile of sequential round
 *       trips of a 64-byte message (an {@code Output} frame with 57 data bytes: 64 bytes on the
 *       wire with its length prefix, the C floor's message size). Caller thread: the bench thread
 *       calls {@code transport.send(frame)} and blocks on a future the listener completes with the
 *       echo (the listener runs on the event loop): what a synchronous user of the transport gets,
 *       two thread hand-offs in this JVM included.
 *   <li>{@code pw_<kind>_rtt_loop} / {@code _p99}: the same round trip driven from the event loop:
 *       the listener sends the next frame as it receives the echo, so no other thread of this
 *       JVM takes part: the transport's own cost.
 *   <li>{@code pw_<kind>_bw}: MiB/s of payload, 1 MiB {@code Output} frames runtime to child, as
 *       fast as the transport takes them (at most {@link #WINDOW} sends not yet handed to the OS),
 *       for {@link #BW_SECONDS} s, then a Heartbeat the child answers with the byte count it read
 *       (checked), inside the timing; median of {@link #BW_REPS} reps after an untimed one of
 *       {@link #BW_WARMUP_SECONDS} s.
 *   <li>{@code pw_<kind>_bw_in}: MiB/s the other way, child to runtime (frames decoded and
 *       delivered to the listener), see {@link #bwIn}: the runtime's receiving path.
 *   <li>Detail, for each figure: {@code _cpu_parent} / {@code _cpu_child}: CPU time of this JVM
 *       (all its threads) and of the child process over the timed part, us per round trip or per
 *       MiB. The child's comes from /proc in 10 ms ticks. CPU time is far less disturbed by
 *       other load on the machine than elapsed time, so it shows where the cost is.
 * </ul>
 *
 * kind = pipe ({@link ChildPipes}: the child's standard input and output), fifo ({@link FifoPair}
 * in a {@link RuntimeDirectory}), uds ({@link UnixSocketServer}: the child connects, is admitted
 * by its SO_PEERCRED pid). One child per transport serves all its figures. With {@code PIN=P,C}
 * this JVM runs on CPU P (see {@link Bench}) and the child is started under {@code taskset -c C}.
 */
final class TransportBench {
    static final int RTT_WARMUP = Integer.getInteger("bench.transport.rtt.warmup", 20000);
    static final int RTT_ITERS = Integer.getInteger("bench.transport.rtt.iters", 20000);
    static final double BW_SECONDS = Double.parseDouble(System.getProperty("bench.transport.bw.secs", "1.0"));
    static final int BW_REPS = Integer.getInteger("bench.transport.bw.reps", 3);
    /**
     * The untimed first rep of each throughput figure: long enough for the JIT to compile the 1 MiB
     * path (with 1 s, the first transport measured in a JVM came out ~2x slower than the next).
     */
    static final double BW_WARMUP_SECONDS = Double.parseDouble(System.getProperty("bench.transport.bw.warmup.secs", "2.0"));
    static final int WINDOW = Integer.getInteger("bench.transport.bw.window", 4);
    /** Which figures to measure ({@code -Dbench.transport.figures=bw_in}, for profiling one): all by default. */
    static final List<String> FIGURES = List.of(System.getProperty("bench.transport.figures", "rtt,rtt_loop,bw,bw_in").split(","));
    static final int MSG_BYTES = 64;
    static final int BW_PAYLOAD = 1 << 20;
    private static final int MAX = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final long WAIT_SECONDS = 30;

    /** The child JVM's options: procwire's worker defaults (SpawnStarter), JVM log off stdout. */
    private static final List<String> PEER_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-Xshare:auto", "-Xlog:disable", "-Xlog:all=warning:stderr:uptime,level,tags");

    private TransportBench() {}

    static void run(List<String> kinds, int[] pin) throws Exception {
        int failed = 0;
        for (String kind : kinds) {
            try {
                one(kind, pin);
            } catch (Exception | Error e) {
                failed++;
                System.out.println("# FAILED transport " + kind + ": " + String.valueOf(e).replace('\n', ' '));
                System.out.flush();
                e.printStackTrace();
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " transport(s) failed, see above");
        }
    }

    /** The small message: an Output frame of exactly {@link #MSG_BYTES} bytes on the wire. */
    static Frame smallFrame() {
        for (int data = 0; data < MSG_BYTES; data++) {
            Frame f = output(data);
            if (delimitedSize(f) == MSG_BYTES) {
                return f;
            }
        }
        throw new IllegalStateException("no Output frame is " + MSG_BYTES + " bytes on the wire");
    }

    static Frame output(int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        return Frame.newBuilder().setOutput(Output.newBuilder().setStream(Output.Stream.STDOUT)
                .setData(ByteString.copyFrom(data))).build();
    }

    static int delimitedSize(Frame f) {
        int size = f.getSerializedSize();
        return CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    /** {@code frame} with its varint32 length prefix, as every procwire stream carries it. */
    static byte[] delimited(Frame frame) {
        return dev.procwire.transport.Frames.delimited(frame);
    }

    /** Receives on the event loop; what it does with a frame is switched per figure. */
    private static final class Receiver implements Transport.Listener {
        volatile Consumer<Frame> handler = f -> {};
        final CompletableFuture<Termination> ended = new CompletableFuture<>();

        @Override
        public void onFrame(Frame frame) {
            handler.accept(frame);
        }

        @Override
        public void onTerminated(Termination termination) {
            ended.complete(termination);
        }
    }

    /** A child, the runtime's transport to it, and what to release afterwards. */
    private record Connected(Process child, Transport transport, AutoCloseable resources) {}

    private static void one(String kind, int[] pin) throws Exception {
        Connected c = connect(kind, pin);
        Receiver rx = new Receiver();
        try {
            CompletableFuture<Frame> ready = new CompletableFuture<>();
            rx.handler = ready::complete;
            c.transport().start(rx);
            Frame hello = ready.get(WAIT_SECONDS, TimeUnit.SECONDS);
            if (!hello.hasHeartbeat()) {
                throw new IllegalStateException(kind + " child's first frame is not a Heartbeat: " + hello);
            }
            String name = "pw_" + kind;
            if (FIGURES.contains("rtt")) {
                rttCaller(name + "_rtt", c.transport(), rx, c.child());
            }
            if (FIGURES.contains("rtt_loop")) {
                rttLoop(name + "_rtt_loop", c.transport(), rx, c.child());
            }
            if (FIGURES.contains("bw")) {
                bw(name + "_bw", c.transport(), rx, c.child());
            }
            if (FIGURES.contains("bw_in")) {
                bwIn(name + "_bw_in", c.transport(), rx, c.child());
            }
        } finally {
            c.transport().shutdown(); // the child reads end of stream and exits
            if (!c.child().waitFor(10, TimeUnit.SECONDS)) {
                c.child().destroyForcibly();
                c.child().waitFor(5, TimeUnit.SECONDS);
            }
            try {
                c.transport().termination().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                c.transport().shutdownNow("bench done");
            }
            c.resources().close();
        }
    }

    private static List<String> peerCommand(int[] pin, String... args) {
        List<String> cmd = new ArrayList<>();
        if (pin != null && pin[1] != pin[0]) {
            // This JVM (and so its children) is on CPU P: the child starts on CPU C instead,
            // every thread of its JVM included. taskset execs java: the pid stays the child's.
            cmd.addAll(List.of("taskset", "-c", Integer.toString(pin[1])));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(PEER_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TransportPeer.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Connected connect(String kind, int[] pin) throws Exception {
        switch (kind) {
            case "pipe" -> {
                ChildPipes pipes = ChildPipes.open();
                try {
                    Process child = new ProcessBuilder(peerCommand(pin, "pipe"))
                            .redirectInput(pipes.childInput())
                            .redirectOutput(pipes.childOutput())
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
                    pipes.closeChildEnds();
                    return new Connected(child, pipes.transport("bench pipe", MAX), pipes);
                } catch (IOException | RuntimeException e) {
                    pipes.close();
                    throw e;
                }
            }
            case "fifo" -> {
                RuntimeDirectory dir = RuntimeDirectory.create();
                try {
                    FifoPair fifos = FifoPair.create(dir);
                    Process child = new ProcessBuilder(peerCommand(pin, "fifo", fifos.toChild().toString(),
                            fifos.fromChild().toString()))
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
                    return new Connected(child, fifos.openRuntimeEnds("bench fifo", MAX, OPEN_TIMEOUT,
                            child.toHandle()), dir);
                } catch (IOException | RuntimeException e) {
                    dir.close();
                    throw e;
                }
            }
            case "uds" -> {
                RuntimeDirectory dir = RuntimeDirectory.create();
                UnixSocketServer server = null;
                try {
                    server = UnixSocketServer.bind(dir, MAX);
                    Process child = new ProcessBuilder(peerCommand(pin, "uds", server.path().toString()))
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
                    Transport t = server.expect(child.pid(), "bench uds", OPEN_TIMEOUT)
                            .get(WAIT_SECONDS, TimeUnit.SECONDS);
                    UnixSocketServer s = server;
                    return new Connected(child, t, () -> {
                        s.close();
                        dir.close();
                    });
                } catch (Exception e) {
                    if (server != null) {
                        server.close();
                    }
                    dir.close();
                    throw e;
                }
            }
            default -> throw new IllegalArgumentException("unknown transport " + kind + " (pipe, fifo, uds)");
        }
    }

    // ---- round trip from the caller's thread

    private static void rttCaller(String name, Transport t, Receiver rx, Process child) throws Exception {
        Frame msg = smallFrame();
        final class Pending {
            volatile CompletableFuture<Frame> reply;
        }
        Pending p = new Pending();
        rx.handler = f -> p.reply.complete(f);
        long[] ns = new long[RTT_ITERS];
        Cpu cpu0 = null;
        for (int i = -RTT_WARMUP; i < RTT_ITERS; i++) {
            if (i == 0) {
                cpu0 = Cpu.now(child);
            }
            CompletableFuture<Frame> reply = new CompletableFuture<>();
            p.reply = reply;
            long t0 = System.nanoTime();
            t.send(msg);
            Frame echo = reply.get(WAIT_SECONDS, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            if (!echo.hasOutput()) {
                throw new IllegalStateException(name + ": the echo is not an Output frame: " + echo);
            }
            if (i >= 0) {
                ns[i] = t1 - t0;
            }
        }
        Cpu cpu1 = Cpu.now(child);
        rx.handler = f -> {};
        outLatency(name, ns);
        cpu1.out(name, cpu0, RTT_ITERS, 1e3, "us");
    }

    // ---- round trip driven from the event loop

    private static void rttLoop(String name, Transport t, Receiver rx, Process child) throws Exception {
        Frame msg = smallFrame();
        int total = RTT_WARMUP + RTT_ITERS;
        long[] ns = new long[RTT_ITERS];
        CompletableFuture<Void> done = new CompletableFuture<>();
        Cpu[] cpu0 = new Cpu[1];
        rx.handler = new Consumer<>() {
            private int i;
            private long t0 = System.nanoTime();

            @Override
            public void accept(Frame echo) {
                long t1 = System.nanoTime();
                if (!echo.hasOutput()) {
                    done.completeExceptionally(new IllegalStateException(name + ": the echo is not an Output frame"));
                    return;
                }
                if (i >= RTT_WARMUP) {
                    ns[i - RTT_WARMUP] = t1 - t0;
                } else if (i == RTT_WARMUP - 1) {
                    cpu0[0] = Cpu.now(child); // the timed part starts with the next send
                }
                if (++i == total) {
                    done.complete(null);
                    return;
                }
                t0 = System.nanoTime();
                t.send(msg); // on the event loop: written at once, no task hand-off
            }
        };
        t.send(msg);
        done.get(Math.max(WAIT_SECONDS, total / 1000), TimeUnit.SECONDS);
        Cpu cpu1 = Cpu.now(child);
        rx.handler = f -> {};
        outLatency(name, ns);
        cpu1.out(name, cpu0[0], RTT_ITERS, 1e3, "us");
    }

    /** CPU time so far of this JVM and of the child, ns (the child's in /proc clock ticks, 10 ms). */
    private record Cpu(long parent, long child) {
        static Cpu now(Process child) {
            long p = ((com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            long c = child.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
            return new Cpu(p, c);
        }

        /** Prints {@code name_cpu_parent} / {@code name_cpu_child}: CPU per unit since {@code before}. */
        void out(String name, Cpu before, double units, double nsPerUnit, String unit) {
            Bench.out(name + "_cpu_parent", (parent - before.parent) / units / nsPerUnit, unit);
            if (child >= 0 && before.child >= 0) {
                Bench.out(name + "_cpu_child", (child - before.child) / units / nsPerUnit, unit);
            }
        }
    }

    private static void outLatency(String name, long[] ns) {
        double[] us = new double[ns.length];
        for (int i = 0; i < ns.length; i++) {
            us[i] = ns[i] / 1e3;
        }
        Arrays.sort(us);
        Bench.out(name, Bench.median(us), "us");
        Bench.out(name + "_p99", us[(int) Math.ceil(us.length * 0.99) - 1], "us");
    }

    // ---- throughput, child -> runtime

    /**
     * MiB/s of payload the runtime receives: Heartbeat{echo, sequence n} asks the child for n
     * frames of 1 MiB of Output data; timed from that request until the listener (on the event
     * loop) has the n-th decoded frame. n is chosen from an untimed calibration rep (64 frames) so
     * that the untimed warm-up rep lasts about {@link #BW_WARMUP_SECONDS} and, from the warm-up's
     * rate, a timed rep about {@link #BW_SECONDS}; median of {@link #BW_REPS}.
     */
    private static void bwIn(String name, Transport t, Receiver rx, Process child) throws Exception {
        double[] mibs = new double[BW_REPS];
        long n = 64;
        Cpu cpu0 = null;
        long mib = 0;
        // rep -2 calibrates n, rep -1 is the untimed warm-up of about BW_WARMUP_SECONDS
        for (int rep = -2; rep < BW_REPS; rep++) {
            if (rep == 0) {
                cpu0 = Cpu.now(child);
            }
            long want = n;
            CompletableFuture<Void> all = new CompletableFuture<>();
            rx.handler = new Consumer<>() {
                private long got;

                @Override
                public void accept(Frame f) {
                    if (!f.hasOutput() || f.getOutput().getData().size() != BW_PAYLOAD) {
                        all.completeExceptionally(new IllegalStateException(name + ": unexpected frame " + f.getBodyCase()));
                    } else if (++got == want) {
                        all.complete(null);
                    }
                }
            };
            long t0 = System.nanoTime();
            t.send(Frame.newBuilder().setHeartbeat(dev.procwire.proto.v1.Heartbeat.newBuilder()
                    .setSequence(want).setEcho(true)).build());
            all.get(WAIT_SECONDS + want / 100, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            double rate = want / ((t1 - t0) / 1e9);
            if (rep >= 0) {
                mibs[rep] = rate;
                mib += want;
            } else {
                n = Math.max(16, (long) (rate * (rep == -2 ? BW_WARMUP_SECONDS : BW_SECONDS)));
            }
        }
        Cpu cpu1 = Cpu.now(child);
        rx.handler = f -> {};
        Arrays.sort(mibs);
        Bench.out(name, Bench.median(mibs), "MiB/s");
        cpu1.out(name, cpu0, mib, 1e3, "us/MiB");
    }

    // ---- throughput, runtime -> child

    private static void bw(String name, Transport t, Receiver rx, Process child) throws Exception {
        Frame big = output(BW_PAYLOAD);
        long bodyBytes = big.getSerializedSize();
        if (bodyBytes < TransportPeer.SINK_MIN) {
            throw new IllegalStateException("1 MiB frame smaller than the sink threshold");
        }
        double[] mibs = new double[BW_REPS];
        Cpu cpu0 = null;
        long mib = 0;
        for (int rep = -1; rep < BW_REPS; rep++) {
            if (rep == 0) {
                cpu0 = Cpu.now(child);
            }
            CompletableFuture<Frame> count = new CompletableFuture<>();
            rx.handler = count::complete;
            CompletableFuture<?>[] window = new CompletableFuture<?>[WINDOW];
            long frames = 0;
            long t0 = System.nanoTime();
            long until = t0 + (long) ((rep < 0 ? BW_WARMUP_SECONDS : BW_SECONDS) * 1e9);
            while (System.nanoTime() - until < 0) {
                int slot = (int) (frames % WINDOW);
                if (window[slot] != null) {
                    window[slot].get(WAIT_SECONDS, TimeUnit.SECONDS); // handed to the OS
                }
                window[slot] = t.send(big);
                frames++;
            }
            t.send(TransportPeer.heartbeat(rep + 1));
            Frame answer = count.get(WAIT_SECONDS, TimeUnit.SECONDS);
            long t1 = System.nanoTime();
            if (!answer.hasHeartbeat() || answer.getHeartbeat().getSequence() != frames * bodyBytes) {
                throw new IllegalStateException(name + ": the child read " + answer + " bytes, expected "
                        + frames * bodyBytes);
            }
            if (rep >= 0) {
                mibs[rep] = (double) frames * BW_PAYLOAD / (1 << 20) / ((t1 - t0) / 1e9);
                mib += frames * BW_PAYLOAD / (1 << 20);
            }
        }
        Cpu cpu1 = Cpu.now(child);
        rx.handler = f -> {};
        Arrays.sort(mibs);
        Bench.out(name, Bench.median(mibs), "MiB/s");
        cpu1.out(name, cpu0, mib, 1e3, "us/MiB");
    }
}
