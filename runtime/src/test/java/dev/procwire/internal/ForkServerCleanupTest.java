package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.procwire.TestClasspath;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Nothing is left behind when a runtime using a fork server is killed with SIGKILL. */
@Timeout(120)
class ForkServerCleanupTest extends ForkServerTestBase {
    @Test
    void aRuntimeKilledWithSigkillLeavesNoServerWorkersOrFiles() throws Exception {
        Process runtime = new ProcessBuilder(SpawnStarter.javaOfThisJvm(), "-Dprocwire.forkserver.linger=5000",
                "-cp", TestClasspath.full(), ForkServerRuntimeChild.class.getName(), t.parent.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(runtime.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.startsWith("READY "), "the child runtime said " + line);
        String[] parts = line.split(" ");
        long server = Long.parseLong(parts[1]);
        long worker = Long.parseLong(parts[2]);
        Thread.sleep(1000); // ready workers refilled
        List<Long> children = ProcessHandle.of(server).orElseThrow().children().map(ProcessHandle::pid).toList();
        assertTrue(children.contains(worker), "the worker is the server's child: " + children);

        // Detached: the server holds none of the runtime's standard streams (nor its workers).
        Set<String> runtimeStreams = new HashSet<>();
        for (int fd = 0; fd <= 2; fd++) {
            runtimeStreams.add(Files.readSymbolicLink(Path.of("/proc/" + runtime.pid() + "/fd/" + fd)).toString());
        }
        for (long pid : children) {
            List<String> held = openFiles(pid);
            held.retainAll(runtimeStreams);
            assertEquals(List.of(), held, "process " + pid + " holds the runtime's standard streams");
        }
        List<String> serverFiles = openFiles(server);
        assertEquals("/dev/null", serverFiles.get(0), "the server's stdin");
        assertTrue(serverFiles.get(1).endsWith(".log") && serverFiles.get(2).endsWith(".log"), serverFiles.toString());
        serverFiles.retainAll(runtimeStreams);
        assertEquals(List.of(), serverFiles, "the server holds the runtime's standard streams");

        runtime.destroyForcibly(); // SIGKILL: no hooks run in the runtime
        assertTrue(runtime.waitFor(10, TimeUnit.SECONDS));
        assertTrue(ProcessHandle.of(server).map(ProcessHandle::isAlive).orElse(false),
                "the server outlives a killed runtime for its linger time");

        ForkServerTesting.assertGone(worker, Duration.ofSeconds(10)); // its input ended with the runtime
        ForkServerTesting.assertGone(server, Duration.ofSeconds(30)); // no runtime for 5 s: it exits
        for (long child : children) {
            ForkServerTesting.assertGone(child, Duration.ofSeconds(10)); // the ready ones killed at its exit
        }
        assertEquals(List.of(), t.filesLeft(), "files left in " + t.folder());
    }

    @Test
    void twoRuntimeJvmsStartingAtOnceEndWithOneServer() throws Exception {
        List<Process> runtimes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                runtimes.add(new ProcessBuilder(SpawnStarter.javaOfThisJvm(), "-cp", TestClasspath.full(),
                        ForkServerRuntimeChild.class.getName(), t.parent.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            List<Long> servers = new ArrayList<>();
            for (Process r : runtimes) {
                String line = new BufferedReader(new InputStreamReader(r.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertTrue(line != null && line.startsWith("READY "), "a child runtime said " + line);
                servers.add(Long.parseLong(line.split(" ")[1]));
            }
            assertEquals(servers.get(0), servers.get(1), "both runtimes use one server");
            try (Stream<Path> files = Files.list(t.folder())) {
                assertEquals(1, files.filter(p -> p.toString().endsWith(".sock")).count());
            }
            for (Process r : runtimes) {
                r.destroyForcibly();
            }
            ForkServerTesting.assertGone(servers.get(0), Duration.ofSeconds(30));
            assertEquals(List.of(), t.filesLeft(), "files left in " + t.folder());
        } finally {
            for (Process r : runtimes) {
                r.destroyForcibly();
            }
        }
    }

    /** What process {@code pid}'s descriptors 0, 1, 2, ... point to, in fd order. */
    private static List<String> openFiles(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
                    .toList()) {
                try {
                    out.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // gone between listing and reading
                }
            }
        }
        return out;
    }
}
