package dev.procwire.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every example as a user would, in its own JVM, and checks its output for what the seed
 * document says the Python original does.
 */
@Timeout(90)
class SeedExamplesTest {
    static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void childProcessJoinsBeforeSayingTheChildTerminated() throws Exception {
        ExampleRun r = ExampleRun.of(ChildProcess.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        int child = r.indexOf("count_prime(10) = 4");
        int terminated = r.indexOf("child process terminated");
        assertTrue(child >= 0, r::output);
        assertTrue(r.lines().get(child).startsWith("[WorkerProcess-"), r::output); // printed by the child
        assertTrue(terminated > child, r::output);
    }

    @Test
    void eachStartMethodStartsTheChildItsWay() throws Exception {
        ExampleRun r = ExampleRun.of(StartMethods.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        long self = Long.parseLong(r.find("^this program has pid (\\d+)$"));
        for (int i = 1; i <= 3; i++) { // find() fails the test if no line matches
            r.find("^spawn +start " + i + " took .*: child pid (\\d+), started by this program$");
            r.find("^warm +start " + i + " took .*: child pid (\\d+), started by this program$");
        }
        // The first forkserver start may start the server; every child's parent is the server.
        String server = r.find("^forkserver start 1 took .*: child pid \\d+, started by the fork server, pid (\\d+)$");
        assertNotEquals(Long.toString(self), server, r::output);
        for (int i = 2; i <= 3; i++) {
            assertEquals(server, r.find("^forkserver start " + i
                    + " took .*: child pid \\d+, started by the fork server, pid (\\d+)$"), r::output);
        }
    }

    @Test
    void aDaemonChildIsTerminatedWhenMainEnds() throws Exception {
        ExampleRun r = ExampleRun.of(DaemonProcess.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        int main = r.indexOf("we can carry on as per usual and our daemon will continue to execute");
        assertTrue(main >= 0, r::output);
        assertFalse(r.contains("daemon process terminating"), r::output);
        long afterMain = r.exitedMillis() - r.arrivedMillis().get(main);
        assertTrue(afterMain < 1500, "the program ended " + afterMain + " ms after main's line:\n" + r.output());
    }

    @Test
    void aNonDaemonChildKeepsTheProgramAliveUntilItEnds() throws Exception {
        ExampleRun r = ExampleRun.of(DaemonProcess.class, LIMIT, "--no-daemon");
        assertEquals(0, r.exitCode(), r::output);
        int main = r.indexOf("we can carry on as per usual and our daemon will continue to execute");
        int last = r.indexOf("daemon process terminating");
        assertTrue(main >= 0 && last > main, r::output);
        assertTrue(r.contains("current process: <WorkerProcess name='WorkerProcess-1'"), r::output);
    }

    @Test
    void mainAndChildPrintTheirOwnPids() throws Exception {
        ExampleRun r = ExampleRun.of(Pids.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        long main = Long.parseLong(r.find("^main process with pid: (\\d+)$"));
        long child = Long.parseLong(r.find("\\] child process with pid: (\\d+)$"));
        assertEquals(r.pid(), main, r::output);
        assertNotEquals(main, child, r::output);
        assertEquals(child, Long.parseLong(r.find("^main process started a child with pid: (\\d+)$")), r::output);
        assertTrue(r.contains("[WorkerProcess-1 " + child + "] child process with pid: " + child), r::output);
        assertTrue(r.contains("child process terminating"), r::output); // not a daemon: main does not cut it short
    }

    @Test
    void aNamedChildShowsItsName() throws Exception {
        ExampleRun r = ExampleRun.of(NamingProcesses.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        String line = r.lines().get(r.indexOf("just performed X"));
        assertTrue(line.startsWith("[child-process "), line);
        assertTrue(line.contains("<WorkerProcess name='child-process' pid="), line);
        assertTrue(line.contains(" parent=" + r.pid() + ">"), line);
    }

    @Test
    void terminateEndsTheChildBeforeItsLoopFinishes() throws Exception {
        ExampleRun r = ExampleRun.of(Terminate.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        assertTrue(r.contains("] child process pid: "), r::output);
        long working = r.count("child working ...");
        assertTrue(working <= 4, working + " times child working:\n" + r.output());
        assertFalse(r.contains("child process done"), r::output);
        int terminating = r.indexOf("terminating child process");
        int terminated = r.indexOf("child process successfully terminated");
        assertTrue(terminating >= 0 && terminated > terminating, r::output);
        assertTrue(r.contains("exit code: -15"), r::output);
    }

    @Test
    void aSubclassRunsRunInTheChildAndDirectlyInTheParent() throws Exception {
        ExampleRun r = ExampleRun.of(CustomProcessExample.class, LIMIT);
        assertEquals(0, r.exitCode(), r::output);
        long main = Long.parseLong(r.find("^main process pid: (\\d+)$"));
        long child = Long.parseLong(r.find("^\\[CustomProcess-1 \\d+\\] run\\(\\) in CustomProcess-1, pid: (\\d+)$"));
        assertEquals(r.pid(), main, r::output);
        assertNotEquals(main, child, r::output);
        int inParent = r.indexOf("run() in MainProcess, pid: " + main);
        assertTrue(inParent > r.indexOf("run() in CustomProcess-1"), r::output);
        assertEquals(r.lines().get(inParent), "run() in MainProcess, pid: " + main); // untagged: printed here
    }

    @Test
    void threadsVersusProcessesPrintsBothTimings() throws Exception {
        ExampleRun r = ExampleRun.of(ThreadsVersusProcesses.class, LIMIT, "200000");
        assertEquals(0, r.exitCode(), r::output);
        int threadTotal = Integer.parseInt(r.find("^2 threads: (\\d+) primes in \\d+ ms$"));
        assertEquals(17984, threadTotal, r::output); // primes below 200000
        r.find("^2 processes: done in (\\d+) ms");
        int part0 = Integer.parseInt(r.find("\\] part 0: (\\d+) primes$"));
        int part1 = Integer.parseInt(r.find("\\] part 1: (\\d+) primes$"));
        assertEquals(threadTotal, part0 + part1, r::output);
        r.find("^(timings: 1 thread \\d+ ms, 2 threads \\d+ ms, 2 processes \\d+ ms)$");
        assertTrue(r.contains("50%"), r::output); // progress
        assertTrue(r.contains("Java has no GIL"), r::output);
        assertTrue(r.contains("isolation"), r::output);
    }
}
