package dev.procwire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Tasks, callables and runnables for the pool behaviour, executor and stress tests, and their helpers. */
final class PoolTestTasks {
    private PoolTestTasks() {}

    /** Options of a pool of {@code processes} workers on the pool tests' runtime. */
    static ProcessPool.Builder options(int processes) {
        return ProcessPool.builder().processes(processes).runtime(ProcessPoolTest.RUNTIME);
    }

    /** Whether the process {@code pid} is still alive. */
    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Creates the file at {@code path} (and its parent directories). */
    static void touch(String path) {
        try {
            Files.createDirectories(Path.of(path).getParent());
            Files.writeString(Path.of(path), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Kills the current process with SIGKILL and waits for the end. */
    static void killMyself() throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
        Thread.sleep(10_000);
    }

    /** Busy for {@code millis}, ignoring interrupts: only killing its worker stops it early. */
    static final class Spin implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer millis) {
            long end = System.nanoTime() + millis * 1_000_000L;
            long spins = 0;
            while (System.nanoTime() < end) {
                Thread.interrupted(); // swallowed: this task does not stop when asked
                spins++;
            }
            return spins > 0 ? millis : -1;
        }
    }

    /** Allocates until the heap is exhausted. */
    static final class Hog implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer megabytes) {
            List<byte[]> held = new ArrayList<>();
            while (true) {
                held.add(new byte[megabytes << 20]);
            }
        }
    }

    /** Returns its argument: the tiny task of the stress test. */
    static final class Echo implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            return n;
        }
    }

    /**
     * Kills its own worker on the first attempt and succeeds on the next: the first attempt
     * leaves a marker file at the path it is given.
     */
    @Idempotent
    static final class DieOnce implements Task<String, String> {
        @Override
        public String call(String marker) throws Exception {
            return dieOnce(marker);
        }
    }

    /** As {@link DieOnce}, but not marked idempotent: never retried. */
    static final class DieOnceNotIdempotent implements Task<String, String> {
        @Override
        public String call(String marker) throws Exception {
            return dieOnce(marker);
        }
    }

    private static String dieOnce(String marker) throws Exception {
        if (!Files.exists(Path.of(marker))) {
            touch(marker);
            killMyself();
        }
        return "second attempt in " + ProcessHandle.current().pid();
    }

    // ---- for the executor: objects rebuilt in the worker from their class and fields

    /** Multiplies its two fields. */
    static final class Multiply implements Callable<Integer> {
        private int a;
        private int b;

        private Multiply() {}

        Multiply(int a, int b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public Integer call() {
            return a * b;
        }
    }

    /** Shows what reached the worker: its fields, after changing one of them there. */
    static final class Fields implements Callable<List<Object>> {
        int count;
        String label;
        List<Object> items;
        State state;
        transient String note;

        enum State { NEW, USED }

        @Override
        public List<Object> call() {
            count++;
            List<Object> seen = new ArrayList<>();
            seen.add(count);
            seen.add(label);
            seen.add(items);
            seen.add(state.name());
            seen.add(note == null ? "no note" : note);
            return seen;
        }
    }

    /** Creates a file: shows that a runnable ran, and where. */
    static final class Touch implements Runnable {
        private String path;

        private Touch() {}

        Touch(Path path) {
            this.path = path.toString();
        }

        @Override
        public void run() {
            touch(path);
        }

        @Override
        public String toString() {
            return "Touch[" + path + "]";
        }
    }

    /** Creates a file, then sleeps (interruptibly) and returns its milliseconds. */
    static final class TouchThenSleep implements Callable<Integer> {
        private String started;
        private int millis;

        private TouchThenSleep() {}

        TouchThenSleep(Path started, int millis) {
            this.started = started.toString();
            this.millis = millis;
        }

        @Override
        public Integer call() throws InterruptedException {
            touch(started);
            Thread.sleep(millis);
            return millis;
        }
    }

    /** Creates a file, then spins ignoring interrupts. */
    static final class TouchThenSpin implements Callable<Integer> {
        private String started;
        private int millis;

        private TouchThenSpin() {}

        TouchThenSpin(Path started, int millis) {
            this.started = started.toString();
            this.millis = millis;
        }

        @Override
        public Integer call() {
            touch(started);
            return new Spin().call(millis);
        }
    }

    /** Sleeps, then returns its value. */
    static final class SleepThenReturn implements Callable<String> {
        private int millis;
        private String value;

        private SleepThenReturn() {}

        SleepThenReturn(int millis, String value) {
            this.millis = millis;
            this.value = value;
        }

        @Override
        public String call() throws InterruptedException {
            Thread.sleep(millis);
            return value;
        }
    }

    /** Throws an IllegalStateException with its message. */
    static final class Fail implements Callable<String> {
        private String message;

        private Fail() {}

        Fail(String message) {
            this.message = message;
        }

        @Override
        public String call() {
            throw new IllegalStateException(message);
        }
    }

    /** Returns its worker's pid. */
    static final class WhereAmI implements Callable<Long> {
        @Override
        public Long call() {
            return ProcessHandle.current().pid();
        }
    }

    /** No no-argument constructor: cannot be rebuilt. */
    static final class NoDefaultConstructor implements Callable<Integer> {
        private final int value;

        NoDefaultConstructor(int value) {
            this.value = value;
        }

        @Override
        public Integer call() {
            return value;
        }
    }

    /** A field that cannot be carried. */
    static final class HoldsAThread implements Callable<Integer> {
        private Thread owner = Thread.currentThread();

        @Override
        public Integer call() {
            return owner == null ? 0 : 1;
        }
    }
}
