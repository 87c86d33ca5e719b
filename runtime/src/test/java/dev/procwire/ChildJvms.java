package dev.procwire;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/** Starts test main classes in real child JVMs, and checks that a test left no descriptor open. */
final class ChildJvms {
    private ChildJvms() {}

    /**
     * Starts {@code main} with {@code args} in a new JVM with this JVM's classpath, {@code env}
     * added to its environment; its standard output is a pipe to this process, its standard
     * error this process's.
     */
    static Process start(Class<?> main, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData",
                "-cp", TestClasspath.full(), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(Redirect.INHERIT);
        builder.environment().putAll(env);
        return builder.start();
    }

    /** This process's open descriptors and what each one is. */
    static Map<String, String> fdTable() {
        Map<String, String> table = new TreeMap<>();
        String[] fds = new File("/proc/self/fd").list();
        for (String fd : fds == null ? new String[0] : fds) {
            try {
                table.put(fd, Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString());
            } catch (IOException e) {
                // closed meanwhile (the listing's own descriptor)
            }
        }
        return table;
    }

    /**
     * Waits until this process has no more descriptors than {@code before} (a {@link #fdTable()}),
     * failing with those that were opened since if it does not within {@code timeout}.
     */
    static void awaitNoFdBeyond(Map<String, String> before, Duration timeout) {
        try {
            await().atMost(timeout).until(() -> fdTable().size() <= before.size());
        } catch (ConditionTimeoutException e) {
            Map<String, String> now = fdTable();
            now.entrySet().removeIf(en -> en.getValue().equals(before.get(en.getKey())));
            StringBuilder sockets = new StringBuilder();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
                    for (String what : now.values()) {
                        if (what.startsWith("socket:[") && line.contains(" " + what.substring(8, what.length() - 1))) {
                            sockets.append("\n  ").append(line);
                        }
                    }
                }
            } catch (IOException ignored) {
                // only a better message
            }
            throw new AssertionError("descriptors left open: " + now + sockets, e);
        }
    }

    /**
     * What a test started and opened, released after it, and the check that nothing of it is
     * left: made before the test (counting this process's descriptors), released after.
     */
    static final class Leftovers {
        final List<AutoCloseable> closeAfter = new ArrayList<>();
        final List<Process> processes = new ArrayList<>();
        private final Map<String, String> fdsBefore = fdTable();

        /** Starts what stays for the whole JVM (the event loop, native libraries) before counting. */
        static void warmUp() throws IOException {
            Pipe.open().close();
            Pipe.open(false).close();
        }

        /** Ends the processes, closes what was opened, and waits for the descriptors to be gone. */
        void releaseAndCheck() throws Exception {
            for (Process p : processes) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                p.getInputStream().close();
                p.getOutputStream().close();
                p.getErrorStream().close();
            }
            for (AutoCloseable c : closeAfter) {
                c.close();
            }
            awaitNoFdBeyond(fdsBefore, Duration.ofSeconds(10));
        }
    }
}
