package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.proto.v1.Hello;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The forkserver start method with real processes: workers, exit codes, sharing, linger exit. */
@Timeout(120)
class ForkServerStarterTest extends ForkServerTestBase {
    @Test
    void aWorkerFromTheForkServerRunsATaskAndExitsWithCodeZero() throws Exception {
        ForkServerStarter s = t.starter();
        StartedWorker w = t.start(s, "task-1");
        ForkServerTesting.awaitReady(w);
        Hello hello = w.connection().ready().get();
        assertEquals(w.process().pid(), hello.getPid());
        assertEquals(s.serverPid(), ProcessHandle.of(w.process().pid()).flatMap(ProcessHandle::parent)
                .map(ProcessHandle::pid).orElse(-1L), "the worker is the fork server's child");
        assertEquals(49, ForkServerTesting.square(w, 7));
        assertEquals(0, ForkServerTesting.shutdown(w));
        assertEquals(0, w.process().exitValue());
    }

    @Test
    void aWorkerKilledWithSigkillExitsWithMinusNine() throws Exception {
        ForkServerStarter s = t.starter();
        StartedWorker w = t.start(s, "kill-1");
        ForkServerTesting.awaitReady(w);
        assertEquals(9, ForkServerTesting.square(w, 3));
        assertTrue(w.process().isAlive());
        w.process().destroyForcibly();
        assertTrue(w.process().waitFor(20, TimeUnit.SECONDS));
        assertEquals(128 + 9, w.process().exitValue(), "the server reports the status as Process.exitValue does");
        assertEquals(-9, ExitCodes.of(w.process().exitValue(), w.connection().exitNotice()));
        assertEquals(w.process(), w.process().onExit().get(5, TimeUnit.SECONDS));
    }

    @Test
    void aWorkerExitingWithACodeReportsIt() throws Exception {
        ForkServerStarter s = t.starter();
        StartedWorker w = t.start(s, "exit-3");
        ForkServerTesting.awaitReady(w);
        ForkServerTesting.sendSignal(w.process().pid(), "TERM");
        assertTrue(w.process().waitFor(20, TimeUnit.SECONDS));
        int code = ExitCodes.of(w.process().exitValue(), w.connection().exitNotice());
        assertEquals(-15, code, "SIGTERM: the worker's notice names the signal; status " + w.process().exitValue());
    }

    @Test
    void aSpecWithJvmOptionsGetsAWorkerStartedOnDemandWithThem() throws Exception {
        ForkServerStarter s = t.starter();
        StartedWorker w = t.start(s, ForkServerTesting.spec("opts-1", List.of("-Dprocwire.test.mark=42")));
        ForkServerTesting.awaitReady(w);
        assertEquals("opts-1", w.connection().ready().get().getWorkerId(), "on demand, the spec's id is kept");
        String cmdline = ProcessHandle.of(w.process().pid()).flatMap(h -> h.info().arguments())
                .map(a -> String.join(" ", a)).orElse("");
        assertTrue(cmdline.contains("-Dprocwire.test.mark=42"), cmdline);
        assertEquals(16, ForkServerTesting.square(w, 4));
    }

    @Test
    void theStartersOwnJvmOptionsAreTheServersAndItsReadyWorkersHaveThem() throws Exception {
        ForkServerStarter s = t.starter(List.of("-Dprocwire.test.conf=1"));
        StartedWorker ready = t.start(s, ForkServerTesting.spec("conf-1", List.of("-Dprocwire.test.conf=1")));
        ForkServerTesting.awaitReady(ready);
        assertTrue(ready.connection().ready().get().getWorkerId().startsWith("fork-"), "a ready worker");
        assertTrue(arguments(ready).contains("-Dprocwire.test.conf=1"), arguments(ready));
        StartedWorker more = t.start(s, ForkServerTesting.spec("conf-2",
                List.of("-Dprocwire.test.conf=1", "-Dprocwire.test.more=2")));
        ForkServerTesting.awaitReady(more);
        assertEquals("conf-2", more.connection().ready().get().getWorkerId(), "started on demand");
        assertTrue(arguments(more).contains("-Dprocwire.test.conf=1 ") && arguments(more).contains("-Dprocwire.test.more=2"),
                arguments(more));
        ForkServerStarter plain = t.starter();
        StartedWorker other = t.start(plain, "conf-3");
        ForkServerTesting.awaitReady(other);
        assertNotEquals(s.serverPid(), plain.serverPid(), "other options, other server");
    }

    private static String arguments(StartedWorker w) {
        return ProcessHandle.of(w.process().pid()).flatMap(h -> h.info().arguments())
                .map(a -> String.join(" ", a)).orElse("");
    }

    @Test
    void aWorkerThatCannotStartFailsWithItsOwnStderr() throws Exception {
        ForkServerStarter s = t.starter();
        StartedWorker w = t.start(s, ForkServerTesting.spec("bad-1", List.of("-XX:+NoSuchProcwireOption")));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> w.connection().ready().get(30, TimeUnit.SECONDS));
        assertTrue(w.process().waitFor(20, TimeUnit.SECONDS));
        assertEquals(1, w.process().exitValue());
        String stderr = w.stderr().tail(5000);
        assertTrue(stderr.contains("Unrecognized VM option 'NoSuchProcwireOption'"), stderr);
        assertTrue(e.getCause().getMessage().contains("bad-1"), e.getCause().getMessage());
    }

    @Test
    void aWorkerThatCannotBeSpawnedFailsStartWithTheServersReason() throws Exception {
        ForkServerStarter s = t.starter();
        LaunchSpec spec = new LaunchSpec("nodir-1", "nodir-1", List.of(), java.util.Map.of(),
                java.nio.file.Path.of("/nonexistent-procwire-folder"), 0,
                dev.procwire.transport.FrameLimits.DEFAULT_MAX_FRAME_BYTES, dev.procwire.OutputListener.discard(),
                Runnable::run, dev.procwire.WorkerTransport.PIPE, List.of(), false);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> s.start(spec));
        assertTrue(e.getMessage().contains("could not start a worker")
                && e.getMessage().contains("/nonexistent-procwire-folder"), e.getMessage());
        StartedWorker w = t.start(s, "after-nodir"); // the server is fine
        ForkServerTesting.awaitReady(w);
    }

    @Test
    void aCommandWorkerIsRefusedWithAClearError() throws Exception {
        ForkServerStarter s = t.starter();
        LaunchSpec spec = new LaunchSpec("cmd-1", "cmd-1", List.of(), java.util.Map.of(), null, 0,
                dev.procwire.transport.FrameLimits.DEFAULT_MAX_FRAME_BYTES, dev.procwire.OutputListener.discard(),
                Runnable::run, dev.procwire.WorkerTransport.PIPE, List.of("/bin/true"), false);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> s.start(spec));
        assertTrue(e.getMessage().contains("Java workers only") && e.getMessage().contains("spawn"), e.getMessage());
    }

    @Test
    void twoStartersShareOneServer() throws Exception {
        ForkServerStarter a = t.starter();
        ForkServerStarter b = t.starter();
        StartedWorker wa = t.start(a, "share-a");
        StartedWorker wb = t.start(b, "share-b");
        ForkServerTesting.awaitReady(wa);
        ForkServerTesting.awaitReady(wb);
        assertTrue(a.serverPid() > 0);
        assertEquals(a.serverPid(), b.serverPid());
        assertEquals(4, ForkServerTesting.square(wa, 2));
        assertEquals(9, ForkServerTesting.square(wb, 3));
        assertEquals(0, ForkServerTesting.shutdown(wa));
        assertEquals(0, ForkServerTesting.shutdown(wb));
    }

    @Test
    void twoStartersStartingAtOnceEndWithOneServer() throws Exception {
        ForkServerStarter a = t.starter();
        ForkServerStarter b = t.starter();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var fa = pool.submit(() -> t.start(a, "race-a"));
            var fb = pool.submit(() -> t.start(b, "race-b"));
            ForkServerTesting.awaitReady(fa.get(60, TimeUnit.SECONDS));
            ForkServerTesting.awaitReady(fb.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdown();
        }
        assertEquals(a.serverPid(), b.serverPid());
        List<String> files = t.filesLeft(); // one server: one socket, lock and log, all of one key
        assertEquals(3, files.size(), files.toString());
        String key = files.get(0).substring(0, files.get(0).indexOf('.'));
        assertEquals(List.of(key + ".lock", key + ".log", key + ".sock"), files);
    }

    @Test
    void theServerExitsAfterTheLastRuntimeClosesAndLeavesNoFilesOrWorkers() throws Exception {
        ForkServerStarter a = t.starter();
        ForkServerStarter b = t.starter();
        StartedWorker w = t.start(a, "linger-1");
        ForkServerTesting.awaitReady(w);
        t.start(b, "linger-2");
        long server = a.serverPid();
        Thread.sleep(1500); // the ready workers are refilled
        List<Long> children = ProcessHandle.of(server).orElseThrow().children().map(ProcessHandle::pid).toList();
        assertTrue(children.size() >= 2, "ready workers and handed-out ones: " + children);
        assertEquals(0, ForkServerTesting.shutdown(w));
        a.close();
        Thread.sleep(2500); // longer than the linger time: b still holds the server
        assertTrue(ProcessHandle.of(server).map(ProcessHandle::isAlive).orElse(false), "b still uses it");
        b.close(); // its worker (linger-2) is still running: b's connection stays until it exits
        t.close(); // kills linger-2: b's connection closes, then the server lingers and exits
        ForkServerTesting.assertGone(server, Duration.ofSeconds(15));
        for (long child : children) {
            ForkServerTesting.assertGone(child, Duration.ofSeconds(10));
        }
        assertEquals(List.of(), t.filesLeft(), "files left in " + t.folder());
    }

    @Test
    void aKilledServerIsReplaced() throws Exception {
        ForkServerStarter s = t.starter();
        StartedWorker w1 = t.start(s, "dead-1");
        ForkServerTesting.awaitReady(w1);
        long first = s.serverPid();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        ForkServerTesting.assertGone(first, Duration.ofSeconds(10));
        // A worker handed out before survives its server; only its exit status is lost with it.
        assertEquals(49, ForkServerTesting.square(w1, 7));
        StartedWorker w2 = t.start(s, "dead-2");
        ForkServerTesting.awaitReady(w2);
        assertNotEquals(first, s.serverPid());
        assertTrue(s.lastReplacement() != null && s.lastReplacement().contains("pid " + first)
                && s.lastReplacement().contains("gone"), String.valueOf(s.lastReplacement()));
        assertEquals(25, ForkServerTesting.square(w2, 5));
        w1.process().destroyForcibly();
        assertTrue(w1.process().waitFor(20, TimeUnit.SECONDS));
        assertEquals(ForkedProcess.UNKNOWN_STATUS, w1.process().exitValue());
    }

    @Test
    void aHangingServerIsKilledAndReplacedWithAnErrorNamingItsPidAndTheTimeout() throws Exception {
        // The server is killed and a process that greets but never answers takes its socket, as
        // a deadlocked server would hold it. (A server stopped with SIGSTOP was once seen to
        // answer in CI all the same: the test must not depend on job control.)
        ForkServerStarter s = t.starter(Duration.ofSeconds(3));
        StartedWorker w1 = t.start(s, "hang-1");
        ForkServerTesting.awaitReady(w1);
        long first = s.serverPid();
        Path socket;
        try (java.util.stream.Stream<Path> files = Files.list(t.folder())) {
            socket = files.filter(f -> f.toString().endsWith(".sock")).findFirst().orElseThrow();
        }
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        ForkServerTesting.assertGone(first, Duration.ofSeconds(10));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.serverPid() != -1) { // the starter has seen its connection end
            assertTrue(System.nanoTime() < deadline, "the starter did not see server " + first + " die");
            Thread.sleep(10);
        }
        Process hung = HungForkServer.start(socket);
        try {
            StartedWorker w2 = t.start(s, "hang-2");
            ForkServerTesting.awaitReady(w2);
            long second = s.serverPid();
            assertNotEquals(first, second);
            assertNotEquals(hung.pid(), second);
            assertEquals(Optional.of(second), w2.process().toHandle().parent().map(ProcessHandle::pid));
            String why = String.valueOf(s.lastReplacement());
            assertTrue(why.contains("pid " + hung.pid()) && why.contains("3000 ms") && why.contains("hangs"), why);
            assertTrue(hung.waitFor(10, TimeUnit.SECONDS), "the hung server was not killed");
            assertEquals(36, ForkServerTesting.square(w2, 6));
        } finally {
            hung.destroyForcibly();
        }
    }

    @Test
    void startLatencyWithAWarmServer() throws Exception {
        ForkServerStarter s = t.starter();
        ForkServerTesting.awaitReady(t.start(s, "warm-0"));
        long[] micros = new long[10];
        for (int i = 0; i < micros.length; i++) {
            Thread.sleep(600); // the server refills its ready workers
            long t0 = System.nanoTime();
            StartedWorker w = t.start(s, "warm-" + (i + 1));
            w.connection().ready().get(30, TimeUnit.SECONDS);
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        long[] sorted = micros.clone();
        java.util.Arrays.sort(sorted);
        System.out.println("forkserver start() to ready(), warm server, us: " + java.util.Arrays.toString(micros)
                + " median " + sorted[sorted.length / 2]);
    }
}
