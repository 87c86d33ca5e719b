package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Start methods chosen by name, and the warm method's workers started ahead of demand. */
@Timeout(90)
class StartMethodTest {

    @Test
    void anUnknownStartMethodIsRefusedNamingTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcwireRuntime.builder().startMethod("fork"));
        assertEquals("unknown start method \"fork\"; valid: " + String.join(", ", ProcwireRuntime.START_METHODS),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProcwireRuntime.getContext("threads"));
    }

    @Test
    void theDefaultRuntimesMethodIsItsOwnContext() {
        assertSame(ProcwireRuntime.defaultRuntime(), ProcwireRuntime.getContext(ProcwireRuntime.defaultRuntime().startMethod()));
    }

    @Test
    void aWarmRuntimeHandsOutAWorkerStartedBeforeItWasAskedFor() throws Exception {
        List<OutputLine> lines = new CopyOnWriteArrayList<>();
        try (ProcwireRuntime rt = ProcwireRuntime.builder().startMethod("warm").warmWorkers(1)
                .outputListener(lines::add).build()) {
            Thread.sleep(1500); // let the idle worker start and say hello
            java.util.Set<Long> running = children();
            WorkerProcess p = rt.process(Fixtures.Hello.class, "warm world").setName("handed-out");
            p.start();
            assertTrue(running.contains(p.pid()), "worker " + p.pid() + " was not running before it was asked for");
            p.join();
            assertEquals(0, p.exitCode());
            assertTrue(lines.stream().anyMatch(l -> l.workerName().equals("handed-out") && l.pid() == p.pid()
                    && l.text().contains("warm world")), lines::toString);
            // ... and a replacement is on its way: the next worker is warm too
            Thread.sleep(1500);
            java.util.Set<Long> runningAgain = children();
            WorkerProcess q = rt.process(Fixtures.Hello.class, "again");
            q.start();
            assertTrue(runningAgain.contains(q.pid()));
            q.join();
        }
    }

    @Test
    void aWorkerWithItsOwnOptionsIsSpawnedFresh() throws Exception {
        try (ProcwireRuntime rt = ProcwireRuntime.builder().startMethod("warm").warmWorkers(1).build()) {
            Thread.sleep(1000);
            java.util.Set<Long> running = children();
            WorkerProcess p = rt.process(Fixtures.Hello.class, "own env").putEnvironment("SOME_SETTING", "1");
            p.start();
            assertTrue(!running.contains(p.pid()), "worker " + p.pid() + " was running before it was asked for");
            p.join();
        }
    }

    @Test
    void aWarmPoolMapsReplacesWorkersAndLeavesNoIdleWorkerAfterClose() throws Exception {
        java.util.Set<Long> before = children();
        ProcwireRuntime rt = ProcwireRuntime.builder().startMethod("warm").warmWorkers(2).build();
        try (ProcessPool pool = ProcessPool.builder().processes(2).maxTasksPerChild(10).runtime(rt).build()) {
            List<Integer> items = IntStream.range(0, 100).boxed().toList();
            assertEquals(items, pool.map(PoolTestTasks.Echo.class, items, 1));
        }
        rt.close();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> before.containsAll(children()));
    }

    @Test
    void aForkServerContextServesWorkersThatAreNotThisJvmsChildren() throws Exception {
        ProcwireRuntime ctx = ProcwireRuntime.getContext("forkserver");
        assertSame(ctx, ProcwireRuntime.getContext("forkserver"));
        List<OutputLine> lines = new CopyOnWriteArrayList<>();
        try (ProcwireRuntime rt = ProcwireRuntime.builder().startMethod("forkserver").outputListener(lines::add).build()) {
            WorkerProcess p = rt.process(Fixtures.Hello.class, "forked").setName("from-the-server");
            p.start();
            long parent = ProcessHandle.of(p.pid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
            assertTrue(parent != ProcessHandle.current().pid(), "the fork server is its parent, not this JVM");
            p.join();
            assertEquals(0, p.exitCode());
            assertTrue(lines.stream().anyMatch(l -> l.workerName().equals("from-the-server") && l.pid() == p.pid()
                    && l.text().contains("forked")), lines::toString);
            WorkerProcess killed = rt.process(Fixtures.Sleeps.class, 60_000);
            killed.start();
            killed.kill();
            killed.join();
            assertEquals(-9, killed.exitCode());
            try (ProcessPool pool = ProcessPool.builder().processes(2).runtime(rt).build()) {
                List<Integer> items = IntStream.range(0, 50).boxed().toList();
                assertEquals(items, pool.map(PoolTestTasks.Echo.class, items, 1));
                // The pool replaces a worker that died by asking the server again: that request
                // must not wait on the thread that delivered the death (it once did, for 30 s).
                TaskFuture<Void> dies = pool.applyAsync(Fixtures.Exits.class, 3);
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> dies.get(20, java.util.concurrent.TimeUnit.SECONDS));
                assertEquals(3, ((WorkerDiedException) e.getCause()).exitCode());
                assertEquals(List.of(1, 2), pool.map(PoolTestTasks.Echo.class, List.of(1, 2)));
            }
            // a transport the server cannot hand over: spawned instead, and says so by being our child
            WorkerProcess viaFifo = rt.process(Fixtures.Hello.class, "fifo").setTransport(WorkerTransport.FIFO);
            viaFifo.start();
            assertEquals(ProcessHandle.current().pid(),
                    ProcessHandle.of(viaFifo.pid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L));
            viaFifo.join();
            assertEquals(0, viaFifo.exitCode());
        }
    }

    private static java.util.Set<Long> children() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
    }
}
