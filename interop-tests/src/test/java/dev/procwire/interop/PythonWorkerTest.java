package dev.procwire.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the Python worker's own test suite (interop-tests/python/tests, unittest) as part of the
 * Maven build, so {@code mvn -B verify} fails when it fails. The suite starts real Python worker
 * processes over pipes, FIFOs and Unix sockets and checks the golden frames of proto/testdata.
 *
 * <p>The interpreter is the first of {@code $PROCWIRE_PYTHON}, {@code /usr/bin/python3} and
 * {@code python3} on the PATH that can import {@code google.protobuf} (a pyenv {@code python3}
 * often cannot; Debian's python3-protobuf belongs to /usr/bin/python3).
 */
class PythonWorkerTest {
    private static final long SUITE_TIMEOUT_MINUTES = 10;

    static String python() throws InterruptedException {
        Set<String> candidates = new LinkedHashSet<>();
        String configured = System.getenv("PROCWIRE_PYTHON");
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        }
        candidates.add("/usr/bin/python3");
        candidates.add("python3");
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import google.protobuf")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() == 0) {
                    return candidate;
                }
                tried.add(candidate + ": " + (out.isEmpty() ? "exit " + p.exitValue() : out.lines().reduce((a, b) -> b).orElse(out)));
            } catch (IOException e) {
                tried.add(candidate + ": " + e.getMessage());
            }
        }
        fail("no Python interpreter that can import google.protobuf (install Debian's python3-protobuf, or set "
                + "PROCWIRE_PYTHON); tried " + String.join("; ", tried));
        return null;
    }

    @Test
    void pythonWorkerSuitePasses() throws IOException, InterruptedException {
        Path pythonDir = Path.of(System.getProperty("procwire.python.dir", "python"));
        Path generated = Path.of(System.getProperty("procwire.python.proto", "target/python-proto"));
        Path log = Path.of(System.getProperty("procwire.python.log", "target/python-tests.log"));
        assertTrue(Files.isRegularFile(generated.resolve("procwire/v1/procwire_pb2.py")),
                "no Python protobuf code in " + generated + ": the generate-test-resources phase runs protoc "
                        + "(Debian: apt-get install protobuf-compiler)");
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(python(), "-m", "unittest", "discover", "-s", "tests", "-v")
                .directory(pythonDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("PROCWIRE_PYTHON_PROTO", generated.toAbsolutePath().toString());
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(SUITE_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            fail("the Python suite ran longer than " + SUITE_TIMEOUT_MINUTES + " minutes; its output: " + log);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println("Python worker suite (" + log + "):\n" + tail(output, 4));
        assertEquals(0, p.exitValue(), "the Python worker suite failed (full output in " + log + "):\n"
                + tail(output, 200));
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
