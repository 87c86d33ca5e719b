package dev.procwire.examples;

import dev.procwire.TestClasspath;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a program printed when run as {@code java -cp <test classpath> mainClass args} in a
 * separate JVM, as a user would run it: its lines (stdout and stderr merged), when each arrived,
 * its exit code and when it exited.
 */
record ExampleRun(long pid, List<String> lines, List<Long> arrivedMillis, int exitCode, long exitedMillis) {

    static ExampleRun of(Class<?> mainClass, Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", TestClasspath.full(), mainClass.getName()));
        command.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        List<Long> arrived = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        arrived.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process was killed
            }
        }, "example-output");
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(5000);
                synchronized (lines) {
                    throw new AssertionError(mainClass.getSimpleName() + " did not end within " + timeout
                            + "; it printed:\n" + String.join("\n", lines));
                }
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
        long exited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        reader.join(10_000);
        synchronized (lines) {
            return new ExampleRun(p.pid(), List.copyOf(lines), List.copyOf(arrived), p.exitValue(), exited);
        }
    }

    /** Index of the first line containing {@code text}, or -1. */
    int indexOf(String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    boolean contains(String text) {
        return indexOf(text) >= 0;
    }

    long count(String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    /** Group 1 of the first match of {@code regex} in a line, or an AssertionError. */
    String find(String regex) {
        Pattern pattern = Pattern.compile(regex);
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no line matches " + regex + " in:\n" + output());
    }

    String output() {
        return String.join("\n", lines) + "\n(exit code " + exitCode + ")";
    }
}
