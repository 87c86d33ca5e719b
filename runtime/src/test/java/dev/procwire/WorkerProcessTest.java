package dev.procwire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    @Test
    void runsATargetAndExitsWithZero() throws Exception {
        WorkerProcess p = new WorkerProcess(Fixtures.CountPrimes.class, 10).setRuntime(RUNTIME);
        assertNull(p.exitCode());
        p.start();
        assertTrue(p.pid() > 0);
        assertNotEquals(ProcessHandle.current().pid(), p.pid());
        p.join();
        assertEquals(0, p.exitCode());
        assertFalse(p.isAlive());
        assertTrue(linesOf(p).contains("primes up to 10: 4"), () -> linesOf(p).toString());
    }
}
