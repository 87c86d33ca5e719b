package dev.procwire;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.internal.SpawnStarter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Daemon semantics, runtime close, JVM exit and parent death, with real parent and child JVMs. */
@Timeout(90)
class LifecycleTest {

    @Test
    void closingTheRuntimeTerminatesDaemonWorkers() throws Exception {
        ProcwireRuntime rt = ProcwireRuntime.builder().outputListener(OutputListener.discard()).build();
        WorkerProcess p = new WorkerProcess(Fixtures.Sleeps.class, 30_000).setRuntime(rt).setDaemon(true);
        p.start();
        long t0 = System.nanoTime();
        rt.close();
        assertTrue(p.join(Duration.ofSeconds(10)));
        assertEquals(-15, p.exitCode());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void closingTheRuntimeJoinsNonDaemonWorkers() throws Exception {
        List<OutputLine> lines = new CopyOnWriteArrayList<>();
        ProcwireRuntime rt = ProcwireRuntime.builder().outputListener(lines::add).build();
        WorkerProcess p = new WorkerProcess(Fixtures.Sleeps.class, 700).setRuntime(rt);
        p.start();
        rt.close();
        assertTrue(p.join(Duration.ofSeconds(5)));
        assertEquals(0, p.exitCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.text().equals("slept 700")));
    }

    @Test
    void aClosedRuntimeRefusesNewWorkers() {
        ProcwireRuntime rt = ProcwireRuntime.builder().build();
        rt.close();
        rt.close(); // idempotent
        WorkerProcess p = new WorkerProcess(Fixtures.Hello.class, "late").setRuntime(rt);
        IllegalStateException e = assertThrows(IllegalStateException.class, p::start);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void aDaemonWorkerEndsWithItsParentsMain() throws Exception {
        Result r = runHarness("daemon", 3000);
        assertTrue(r.output.contains("main returns"), r.output::toString);
        assertFalse(r.output.stream().anyMatch(l -> l.contains("slept 3000")), r.output::toString);
        assertTrue(r.millis < 2500, "parent took " + r.millis + " ms");
        assertGone(r.workerPid);
    }

    @Test
    void aNonDaemonWorkerKeepsItsParentAliveUntilItEnds() throws Exception {
        Result r = runHarness("nondaemon", 1500);
        assertTrue(r.output.stream().anyMatch(l -> l.contains("slept 1500")), r.output::toString);
        int main = r.output.indexOf("main returns");
        int slept = indexOfContaining(r.output, "slept 1500");
        assertTrue(main >= 0 && main < slept, r.output::toString);
        assertGone(r.workerPid);
    }

    @Test
    void aWorkerWhoseParentIsKilledExitsWithinTwoSeconds() throws Exception {
        Process harness = harness("orphan", 600_000).start();
        long workerPid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8))) {
            workerPid = parsePid(out.readLine());
            assertTrue(ProcessHandle.of(workerPid).map(ProcessHandle::isAlive).orElse(false));
            harness.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
            assertTrue(harness.waitFor(10, TimeUnit.SECONDS));
            long killedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> ProcessHandle.of(workerPid).map(h -> !h.isAlive()).orElse(true));
            assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(2));
        }
    }

    private record Result(List<String> output, long workerPid, long millis) {}

    private static ProcessBuilder harness(String mode, int millis) throws Exception {
        return new ProcessBuilder(SpawnStarter.javaOfThisJvm(), "-cp", TestClasspath.full(),
                ParentHarness.class.getName(), mode, Integer.toString(millis))
                .redirectErrorStream(true);
    }

    private static Result runHarness(String mode, int millis) throws Exception {
        long t0 = System.nanoTime();
        Process p = harness(mode, millis).start();
        List<String> lines = new ArrayList<>();
        long[] returnedAt = {0};
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.equals("main returns")) {
                    returnedAt[0] = System.nanoTime();
                }
            }
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        long exitedAt = System.nanoTime();
        assertEquals(0, p.exitValue(), lines::toString);
        String pidLine = lines.stream().filter(l -> l.startsWith("worker-pid=")).findFirst().orElse(null);
        assertNotNull(pidLine, lines::toString);
        long sinceMain = TimeUnit.NANOSECONDS.toMillis(exitedAt - (returnedAt[0] == 0 ? t0 : returnedAt[0]));
        return new Result(lines, parsePid(pidLine), sinceMain);
    }

    private static int indexOfContaining(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private static long parsePid(String line) {
        assertNotNull(line);
        assertTrue(line.startsWith("worker-pid="), line);
        return Long.parseLong(line.substring("worker-pid=".length()));
    }

    private static void assertGone(long pid) {
        await().atMost(Duration.ofSeconds(3)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }
}
