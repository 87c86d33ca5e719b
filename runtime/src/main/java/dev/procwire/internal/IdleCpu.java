package dev.procwire.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs work that can wait, such as starting a JVM ahead of demand, when a CPU of this machine is
 * idle: a ready worker refilled while the workers handed out compute would take one of their CPUs
 * for a JVM's start (measured: a CPU-bound count split over two fork-server workers ran slower
 * than one while the server refilled both). Idle means fewer runnable tasks than CPUs, by
 * {@code /proc/loadavg}; the work runs anyway after {@link #MAX_WAIT_MILLIS}, and at once where
 * there is no {@code /proc}. Stateless; thread safe. Internal.
 */
final class IdleCpu {
    /** The longest a refill waits for an idle CPU. */
    static final long MAX_WAIT_MILLIS = 500;
    private static final long POLL_MILLIS = 20;
    private static final Path LOADAVG = Path.of("/proc/loadavg");

    private IdleCpu() {}

    /** Runs {@code work} on {@code timers} after {@code delayMillis}, once a CPU is idle (or after the longest wait). */
    static void run(ScheduledExecutorService timers, Runnable work, long delayMillis) {
        schedule(timers, work, delayMillis, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis + MAX_WAIT_MILLIS));
    }

    private static void schedule(ScheduledExecutorService timers, Runnable work, long delayMillis, long deadline) {
        try {
            timers.schedule(() -> {
                if (idle() || System.nanoTime() - deadline >= 0) {
                    work.run();
                } else {
                    schedule(timers, work, POLL_MILLIS, deadline);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // shutting down: nothing to run
        }
    }

    /** Whether fewer tasks are runnable than there are CPUs, this thread not counted. */
    static boolean idle() {
        try {
            String[] fields = dev.procwire.transport.internal.ProcFiles.read(LOADAVG).split("\\s+");
            int runnable = Integer.parseInt(fields[3].substring(0, fields[3].indexOf('/')));
            return runnable - 1 < Runtime.getRuntime().availableProcessors();
        } catch (IOException | RuntimeException e) {
            return true; // no /proc: do not wait
        }
    }
}
