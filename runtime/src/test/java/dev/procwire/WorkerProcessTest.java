package dev.procwire;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.proto.v1.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Process API on real child JVMs. */
@Timeout(60)
class WorkerProcessTest {
    static final List<OutputLine> LINES = new CopyOnWriteArrayList<>();
    static final ProcwireRuntime RUNTIME = ProcwireRuntime.builder()
            .outputListener(line -> {
                LINES.add(line);
                System.err.println(line);
            })
            .build();

    @AfterAll
    static void closeRuntime() {
        RUNTIME.close();
    }

    static List<String> linesOf(WorkerProcess p) {
        return LINES.stream().filter(l -> l.workerName().equals(p.getName())).map(OutputLine::text).toList();
    }

    static WorkerProcess started(WorkerProcess p) {
        p.setRuntime(RUNTIME).start();
        return p;
    }

    @Test
    void runsATargetAndExitsWithZero() throws Exception {
        WorkerProcess p = new WorkerProcess(Fixtures.CountPrimes.class, 10).setRuntime(RUNTIME);
        assertNull(p.exitCode());
        assertFalse(p.isAlive());
        p.start();
        assertTrue(p.pid() > 0);
        assertNotEquals(ProcessHandle.current().pid(), p.pid());
        p.join();
        assertEquals(0, p.exitCode());
        assertFalse(p.isAlive());
        assertTrue(linesOf(p).contains("primes up to 10: 4"), () -> linesOf(p).toString());
    }

    @Test
    void theTargetsResultIsKeptOnceItEnds() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.CountPrimes.class, 100));
        p.join();
        assertEquals(25, p.result());
    }

    @Test
    void startAsyncOverlapsStartUpAndCompletesWhenReady() throws Exception {
        WorkerProcess a = new WorkerProcess(Fixtures.Hello.class, "a").setRuntime(RUNTIME);
        WorkerProcess b = new WorkerProcess(Fixtures.Hello.class, "b").setRuntime(RUNTIME);
        java.util.concurrent.CompletableFuture.allOf(a.startAsync(), b.startAsync()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(a.pid() > 0 && b.pid() > 0 && a.pid() != b.pid());
        a.join();
        b.join();
        assertEquals(0, a.exitCode());
        assertEquals(0, b.exitCode());
    }

    @Test
    void defaultNamesAreTheClassNameAndACounterAsInPython() {
        assertTrue(new WorkerProcess(Fixtures.Hello.class, "x").getName().matches("WorkerProcess-\\d+"));
        assertTrue(new Fixtures.CustomProcess().getName().matches("CustomProcess-\\d+"));
    }

    @Test
    void childKnowsItsNamePidAndParent() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Hello.class, "world").setName("child-process"));
        p.join();
        String expected = "hello world from <WorkerProcess name='child-process' pid=" + p.pid()
                + " parent=" + ProcessHandle.current().pid() + ">";
        assertEquals(List.of(expected), linesOf(p));
        assertEquals("child-process", p.getName());
    }

    @Test
    void outputIsTaggedWithNameAndPid() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Hello.class, "tags"));
        p.join();
        OutputLine line = LINES.stream().filter(l -> l.workerName().equals(p.getName())).findFirst().orElseThrow();
        assertEquals(p.pid(), line.pid());
        assertEquals(OutputLine.Stream.STDOUT, line.stream());
        assertTrue(line.toString().startsWith("[" + p.getName() + " " + p.pid() + "] hello tags"));
    }

    @Test
    void anExceptionInTheTargetGivesExitCodeOneAndATraceback() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Fails.class, "boom"));
        p.join();
        assertEquals(1, p.exitCode());
        RemoteException failure = p.failure().orElseThrow();
        assertEquals("java.lang.IllegalStateException", failure.remoteType());
        assertEquals("boom", failure.remoteMessage());
        assertEquals(ErrorCode.TASK_FAILED, failure.code());
        assertTrue(failure.remoteStackTrace().contains("Fixtures$Fails.call"), failure.remoteStackTrace());
        await().atMost(Duration.ofSeconds(5)).until(() -> linesOf(p).contains("Process " + p.getName() + ":"));
        assertTrue(linesOf(p).stream().anyMatch(l -> l.contains("IllegalStateException: boom")));
    }

    @Test
    void systemExitStatusIsTheExitCode() throws Exception {
        for (int status : new int[] {0, 3, 137}) {
            WorkerProcess p = started(new WorkerProcess(Fixtures.Exits.class, status));
            p.join();
            assertEquals(status, p.exitCode(), "System.exit(" + status + ")");
        }
    }

    @Test
    void terminateOfABusyWorkerGivesMinusFifteen() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Spins.class));
        assertTrue(p.isAlive());
        p.terminate();
        assertTrue(p.join(Duration.ofSeconds(10)));
        assertEquals(-15, p.exitCode());
        assertFalse(p.isAlive());
    }

    @Test
    void killOfABusyWorkerGivesMinusNine() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Spins.class));
        p.kill();
        assertTrue(p.join(Duration.ofSeconds(10)));
        assertEquals(-9, p.exitCode());
    }

    @Test
    void terminateStopsASleepingChildBeforeItsLoopEnds() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Sleeps.class, 10_000));
        p.terminate();
        p.join();
        assertEquals(-15, p.exitCode());
        assertFalse(linesOf(p).contains("slept 10000"));
    }

    @Test
    void joinWithTimeoutReturnsFalseWhileRunning() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Sleeps.class, 5_000));
        assertFalse(p.join(Duration.ofMillis(100)));
        assertTrue(p.isAlive());
        assertNull(p.exitCode());
        p.kill();
        assertTrue(p.join(Duration.ofSeconds(10)));
    }

    @Test
    void onExitCompletesWithTheExitCode() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Exits.class, 7));
        assertEquals(7, p.onExit().get());
    }

    @Test
    void startingTwiceIsRefused() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.Hello.class, "twice"));
        IllegalStateException e = assertThrows(IllegalStateException.class, p::start);
        assertTrue(e.getMessage().contains("cannot start a process twice"), e.getMessage());
        p.join();
    }

    @Test
    void methodsBeforeStartSayItWasNotStarted() {
        WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "never").setRuntime(RUNTIME);
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                p::join, p::terminate, p::kill, p::pid)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("it was not started"), e.getMessage());
        }
    }

    @Test
    void subclassRunsItsRunWithFieldsCarriedOver() throws Exception {
        Fixtures.CustomProcess p = new Fixtures.CustomProcess();
        p.count = 42;
        p.label = "carried";
        p.items = List.of("a", "b");
        p.notCarried = Thread.currentThread();
        started(p).join();
        assertEquals(0, p.exitCode());
        assertEquals(List.of("run in " + p.pid() + " as " + p.getName()
                + ": count=42 label=carried items=[a, b] notCarried=null"), linesOf(p));
    }

    @Test
    void subclassRunCalledDirectlyRunsHere() {
        Fixtures.CustomProcess p = new Fixtures.CustomProcess();
        assertThrows(IllegalStateException.class, p::pid); // not started; run() below needs no pid
        p.label = "here";
        // run() in the parent calls pid(), which is only known once started: as in Python it runs in this process.
        assertThrows(IllegalStateException.class, p::run);
    }

    @Test
    void aFieldThatCannotBeCarriedIsNamedAtStart() {
        WorkerProcess p = new Fixtures.UncarriableProcess().setRuntime(RUNTIME);
        ProcwireException e = assertThrows(ProcwireException.class, p::start);
        assertTrue(e.getMessage().contains("UncarriableProcess.lock"), e.getMessage());
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        assertTrue(e.getMessage().contains("transient"), e.getMessage());
    }

    @Test
    void lambdasAndInnerClassesAreRefusedWithAReason() {
        Task<String, String> lambda = s -> s;
        @SuppressWarnings("unchecked")
        Class<? extends Task<String, ?>> type = (Class<? extends Task<String, ?>>) lambda.getClass();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerProcess(type, "x"));
        assertTrue(e.getMessage().contains("top-level or static nested"), e.getMessage());
    }

    @Test
    void anArgumentThatCannotBeSentIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WorkerProcess((Class) Fixtures.Hello.class, new Object()));
        assertTrue(e.getMessage().contains("java.lang.Object is not a supported value type"), e.getMessage());
    }

    @Test
    void aTargetThatCannotBeBuiltFailsJoinWithTheChildsErrorAndExitCode() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.BrokenConstructor.class));
        WorkerStartException e = assertThrows(WorkerStartException.class, p::join);
        assertTrue(e.getMessage().contains("cannot build me"), e.getMessage());
        assertTrue(e.getMessage().contains("exit code 1"), e.getMessage());
        assertEquals(1, e.exitCode());
        assertEquals(1, p.exitCode());
    }

    @Test
    void aTargetClassMissingInTheChildFailsJoinWithTheChildsError() throws Exception {
        // The child's classpath lacks the test classes, so it cannot load the target.
        ProcwireRuntime narrow = ProcwireRuntime.builder().outputListener(LINES::add)
                .workerClasspath(TestClasspath.without("test-classes")).build();
        try {
            WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "x").setRuntime(narrow);
            p.start();
            WorkerStartException e = assertThrows(WorkerStartException.class, p::join);
            assertTrue(e.getMessage().contains("target class dev.procwire.Fixtures$Hello could not be loaded"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("ClassNotFoundException"), e.getMessage());
            assertEquals(1, e.exitCode());
            assertEquals(ErrorCode.NOT_FOUND, p.failure().orElseThrow().code());
        } finally {
            narrow.close();
        }
    }

    @Test
    void aBadJvmOptionFailsStartWithTheJvmsOwnWords() {
        WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "x").setRuntime(RUNTIME).addJvmOptions("-XX:+NoSuchOption");
        WorkerStartException e = assertThrows(WorkerStartException.class, p::start);
        assertTrue(e.getMessage().contains("NoSuchOption"), e.getMessage());
        assertEquals(1, e.exitCode(), e.getMessage());
    }

    @Test
    void aJvmStartUpErrorPrintedOnStdoutStillReachesTheUserAsTheJvmsOwnWords() {
        // The JVM prints this one on stdout, the protocol stream, unless told otherwise.
        WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "x").setRuntime(RUNTIME)
                .addJvmOptions("-XX:+UseParallelGC", "-XX:+UseG1GC");
        WorkerStartException e = assertThrows(WorkerStartException.class, p::start);
        assertTrue(e.getMessage().contains("Multiple garbage collectors selected"), e.getMessage());
        assertEquals(1, e.exitCode(), e.getMessage());
    }

    /** A system property of the worker's JVM. */
    static final class PropertyOf implements Task<String, String> {
        @Override
        public String call(String name) {
            return System.getProperty(name);
        }
    }

    @Test
    void optionsFromTheProcwireJvmOptionsPropertyReachEveryWorkerOfARuntimeBuiltAfterIt() throws Exception {
        String before = System.getProperty("procwire.jvmOptions");
        System.setProperty("procwire.jvmOptions", " -Dprocwire.test.a=1   -Dprocwire.test.b=two ");
        ProcwireRuntime rt;
        try {
            rt = ProcwireRuntime.builder().jvmOptions("-Dprocwire.test.b=three").build();
        } finally {
            if (before == null) {
                System.clearProperty("procwire.jvmOptions");
            } else {
                System.setProperty("procwire.jvmOptions", before);
            }
        }
        try (ProcessPool pool = ProcessPool.builder().processes(1).runtime(rt).build()) {
            assertEquals("1", pool.apply(PropertyOf.class, "procwire.test.a"));
            assertEquals("three", pool.apply(PropertyOf.class, "procwire.test.b"), "the builder's options come after");
        } finally {
            rt.close();
        }
    }

    /** The names of the worker's garbage collectors. */
    static final class CollectorNames implements Task<Void, String> {
        @Override
        public String call(Void ignored) {
            return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .map(java.lang.management.GarbageCollectorMXBean::getName)
                    .collect(java.util.stream.Collectors.joining(","));
        }
    }

    @Test
    void aCollectorChosenByTheUserReplacesTheDefaultOne() {
        try (ProcessPool pool = ProcessPool.builder().processes(1).runtime(RUNTIME).jvmOptions("-XX:+UseParallelGC").build()) {
            String names = pool.apply(CollectorNames.class, null);
            assertTrue(names.contains("PS Scavenge"), names);
        }
        try (ProcessPool pool = ProcessPool.builder().processes(1).runtime(RUNTIME).build()) {
            String names = pool.apply(CollectorNames.class, null);
            assertTrue(names.contains("Copy"), "Serial GC by default in pools: " + names);
        }
    }

    @Test
    void aProcessStartedOnDemandGetsTheQuickStartCollectorUnlessItChoosesOne() throws Exception {
        WorkerProcess quick = new WorkerProcess(CollectorNames.class).setRuntime(RUNTIME);
        quick.start();
        quick.join();
        assertTrue(String.valueOf(quick.result()).contains("G1 Young Generation"), "G1 for a quick start: " + quick.result());
        WorkerProcess chosen = new WorkerProcess(CollectorNames.class).setRuntime(RUNTIME).addJvmOptions("-XX:+UseSerialGC");
        chosen.start();
        chosen.join();
        assertTrue(String.valueOf(chosen.result()).contains("Copy"), "the user's collector: " + chosen.result());
    }

    @Test
    void aWorkerSpeakingAnotherProtocolVersionIsRefusedNamingBoth() {
        WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "x").setRuntime(RUNTIME)
                .putEnvironment("PROCWIRE_TEST_ANNOUNCE_VERSIONS", "2..3");
        WorkerStartException e = assertThrows(WorkerStartException.class, p::start);
        assertTrue(e.getMessage().contains("speaks protocol 2..3, runtime speaks 1..1"), e.getMessage());
        assertEquals(2, e.exitCode(), e.getMessage());
    }

    @Test
    void aHelloWithAnEmptyVersionRangeIsAProtocolViolation() {
        WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "x").setRuntime(RUNTIME)
                .putEnvironment("PROCWIRE_TEST_ANNOUNCE_VERSIONS", "3..2");
        WorkerStartException e = assertThrows(WorkerStartException.class, p::start);
        assertTrue(e.getMessage().contains("announced no valid protocol range (3..2)"), e.getMessage());
    }

    @Test
    void garbagePrintedByATaskNeverCorruptsTheProtocol() throws Exception {
        WorkerProcess p = started(new WorkerProcess(Fixtures.PrintsGarbage.class));
        p.join();
        assertEquals(0, p.exitCode());
        List<String> lines = linesOf(p);
        assertTrue(lines.contains("still fine"), lines::toString);
        assertTrue(lines.contains("on stderr too"), lines::toString);
        assertTrue(lines.get(0).startsWith("\u0004Z\u0002\b\u0001"), lines::toString);
    }

    @Test
    void theJvmsOwnLoggingNeverReachesTheProtocolStream() throws Exception {
        // -Xlog and -verbose print to stdout by default: the protocol stream of a worker.
        WorkerProcess p = started(new WorkerProcess(Fixtures.Hello.class, "logs")
                .addJvmOptions("-Xlog:gc*=debug", "-verbose:class", "-Xlog:os=info:stdout"));
        p.join();
        assertEquals(0, p.exitCode());
        assertTrue(linesOf(p).contains("hello logs from <WorkerProcess name='" + p.getName() + "' pid=" + p.pid()
                + " parent=" + ProcessHandle.current().pid() + ">"), () -> String.valueOf(linesOf(p).size()));
    }

    @Test
    void toStringLooksLikePythons() throws Exception {
        WorkerProcess p = new WorkerProcess(Fixtures.Exits.class, 0).setName("shown").setRuntime(RUNTIME);
        assertEquals("<WorkerProcess name='shown' initial>", p.toString());
        p.start();
        p.join();
        assertEquals("<WorkerProcess name='shown' pid=" + p.pid() + " stopped exitcode=0>", p.toString());
    }
}
