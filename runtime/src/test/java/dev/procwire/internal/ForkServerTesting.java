package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.OutputListener;
import dev.procwire.Task;
import dev.procwire.TestClasspath;
import dev.procwire.WorkerTransport;
import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Shutdown;
import dev.procwire.proto.v1.Submit;
import dev.procwire.transport.FrameLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Helpers of the fork server tests: starters over a private temp folder (so each test has its
 * own servers), specs, a task, and waiting for processes. Each instance tracks what it made and
 * {@link #close()} ends it all: workers killed, starters closed, servers waited for, folder removed.
 */
final class ForkServerTesting implements AutoCloseable {
    /** A task for the workers. */
    public static final class Square implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer x) {
            return x * x;
        }
    }

    final Path parent;
    private final List<ForkServerStarter> starters = new ArrayList<>();
    private final List<StartedWorker> workers = new ArrayList<>();
    private final List<Long> servers = new ArrayList<>();

    ForkServerTesting() throws IOException {
        // short: the socket path must fit in sun_path
        parent = Files.createTempDirectory(Path.of("/tmp"), "pwfs");
    }

    ForkServerStarter starter() throws IOException {
        return starter(Duration.ofSeconds(30));
    }

    ForkServerStarter starter(Duration timeout) throws IOException {
        ForkServerStarter s = new ForkServerStarter(SpawnStarter.javaOfThisJvm(), TestClasspath.full(), timeout, parent);
        starters.add(s);
        return s;
    }

    ForkServerStarter starter(List<String> workerJvmOptions) throws IOException {
        return starter(workerJvmOptions, Duration.ofSeconds(30));
    }

    ForkServerStarter starter(List<String> workerJvmOptions, Duration timeout) throws IOException {
        ForkServerStarter s = new ForkServerStarter(SpawnStarter.javaOfThisJvm(), TestClasspath.full(),
                workerJvmOptions, timeout, parent);
        starters.add(s);
        return s;
    }

    Path folder() {
        return parent.resolve("procwire-forkserver-" + dev.procwire.transport.uds.PeerAuthentication.currentUid());
    }

    static LaunchSpec spec(String id, List<String> jvmOptions) {
        return new LaunchSpec(id, id, jvmOptions, Map.of(), null, 0, FrameLimits.DEFAULT_MAX_FRAME_BYTES,
                OutputListener.discard(), Runnable::run, WorkerTransport.PIPE, List.of(), false);
    }

    StartedWorker start(ForkServerStarter s, String id) throws IOException {
        return start(s, spec(id, List.of()));
    }

    StartedWorker start(ForkServerStarter s, LaunchSpec spec) throws IOException {
        StartedWorker w = s.start(spec);
        workers.add(w);
        long server = s.serverPid();
        if (server > 0 && !servers.contains(server)) {
            servers.add(server);
        }
        return w;
    }

    static void awaitReady(StartedWorker w) throws Exception {
        try {
            w.connection().ready().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("worker pid " + w.process().pid() + " did not become ready; stderr: "
                    + w.stderr().tail(2000), e);
        }
    }

    static int square(StartedWorker w, int x) throws Exception {
        Frame answer = w.connection().request(id -> Frame.newBuilder().setSubmit(Submit.newBuilder()
                .setRequestId(id).setFunction("java:" + Square.class.getName()).setArgument(Codecs.encode(x)))
                .build()).get(30, TimeUnit.SECONDS);
        assertTrue(answer.hasResult(), answer.toString());
        return (Integer) Codecs.decode(answer.getResult().getValue());
    }

    /** Asks the worker to exit and returns its exit code as Python gives it. */
    static int shutdown(StartedWorker w) throws Exception {
        w.connection().transport().send(Frame.newBuilder()
                .setShutdown(Shutdown.newBuilder().setGraceful(true).setReason("test done")).build());
        assertTrue(w.process().waitFor(20, TimeUnit.SECONDS), "worker " + w.process().pid() + " did not exit");
        w.connection().closed().get(10, TimeUnit.SECONDS);
        return ExitCodes.of(w.process().exitValue(), w.connection().exitNotice());
    }

    static void awaitExit(long pid, Duration within) throws Exception {
        java.util.Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent()) {
            h.get().onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    static void assertGone(long pid, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            assertTrue(System.nanoTime() < deadline, "process " + pid + " is still alive after " + within);
            Thread.sleep(20);
        }
    }

    /** Files under the fork server folder, as names. */
    List<String> filesLeft() throws IOException {
        if (!Files.exists(folder())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static void sendSignal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    private boolean closed;

    /** Ends what this made. Idempotent. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        for (StartedWorker w : workers) {
            w.process().destroyForcibly();
        }
        for (StartedWorker w : workers) {
            w.process().waitFor(10, TimeUnit.SECONDS);
        }
        for (ForkServerStarter s : starters) {
            s.close();
        }
        for (long pid : servers) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    awaitExit(pid, Duration.ofSeconds(15));
                } catch (java.util.concurrent.TimeoutException e) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        try (Stream<Path> walk = Files.walk(parent)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
