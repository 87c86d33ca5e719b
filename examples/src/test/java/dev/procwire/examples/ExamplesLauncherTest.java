package dev.procwire.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@link Examples} launcher, run in its own JVM. */
@Timeout(90)
class ExamplesLauncherTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void listNamesEveryRegisteredExample() throws Exception {
        ExampleRun r = ExampleRun.of(Examples.class, LIMIT, "list");
        assertEquals(0, r.exitCode(), r::output);
        for (Examples.Example e : Examples.REGISTRY) {
            assertTrue(r.lines().stream().anyMatch(l -> l.startsWith(e.name() + " ")), e.name() + " in\n" + r.output());
            assertTrue(r.contains(e.mainClass().getName()), r::output);
        }
    }

    @Test
    void theRegistryHasTheSeedExamplesUnderUniqueNames() {
        Set<String> names = new HashSet<>();
        for (Examples.Example e : Examples.REGISTRY) {
            assertTrue(names.add(e.name()), "duplicate " + e.name());
            assertTrue(e.name().matches("[a-z]+(-[a-z]+)*"), e.name());
            assertFalse(e.tourRuns().isEmpty(), e.name());
        }
        assertTrue(names.containsAll(Set.of("child-process", "daemon-process", "pids", "naming-processes",
                "terminate", "custom-process", "threads-versus-processes", "executor", "pool-context-manager", "apply",
                "apply-async", "map", "map-async", "imap", "anonymous-pipe", "named-pipe")), names::toString);
    }

    @Test
    void runsAnExampleByNameInAFreshJvm() throws Exception {
        ExampleRun r = ExampleRun.of(Examples.class, LIMIT, "custom-process");
        assertEquals(0, r.exitCode(), r::output);
        long examplePid = Long.parseLong(r.find("^main process pid: (\\d+)$"));
        assertNotEquals(r.pid(), examplePid, r::output); // the example's main ran in another JVM
        assertTrue(r.contains("run() in MainProcess, pid: " + examplePid), r::output);
    }

    @Test
    void passesArgumentsToTheExample() throws Exception {
        ExampleRun r = ExampleRun.of(Examples.class, LIMIT, "daemon-process", "--no-daemon");
        assertEquals(0, r.exitCode(), r::output);
        assertTrue(r.contains("daemon process terminating"), r::output);
    }

    @Test
    void anUnknownNameFailsWithTheList() throws Exception {
        ExampleRun r = ExampleRun.of(Examples.class, LIMIT, "no-such-example");
        assertEquals(2, r.exitCode(), r::output);
        assertTrue(r.contains("no example named 'no-such-example'"), r::output);
        assertTrue(r.contains("child-process"), r::output);
    }
}
