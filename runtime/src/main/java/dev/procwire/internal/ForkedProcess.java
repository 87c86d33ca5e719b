package dev.procwire.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A worker process made by a fork server, seen from the runtime that took it: not this JVM's
 * child, so its exit status comes from the server (its parent), which reports it over the
 * runtime's connection ({@link #exited}). Signals go through a {@link ProcessHandle} taken while
 * the worker was alive, which the JDK checks against the process's start time, so a reused pid
 * is never signalled. Its standard streams belong to the transport and the stderr reader:
 * {@link #getOutputStream()} and the others return empty streams. Thread safe.
 *
 * <p>If the server is lost while the worker runs, its exit status cannot be known: the worker's
 * end is then seen through its {@link ProcessHandle} and {@link #exitValue()} reports
 * {@value #UNKNOWN_STATUS}.
 */
final class ForkedProcess extends Process {
    /** The exit status reported when the fork server was lost before the worker's exit. */
    static final int UNKNOWN_STATUS = 255;

    private final long pid;
    /** Taken by {@link #watch()} after the hand-out, or by the first use before it. */
    private volatile Optional<ProcessHandle> handle;
    private final CompletableFuture<Integer> status = new CompletableFuture<>();
    private final CompletableFuture<Process> exit = status.thenApply(s -> this);

    /** How long after the worker is seen gone its exit is reported unknown if the server said nothing. */
    private static final long REPORT_GRACE_MILLIS = 2_000;

    /**
     * Call {@link #watch()} next, right after the worker is handed to its user: taking the
     * handle (reading /proc) and the watch (a thread) are kept off the hand-out's path. The
     * handle is still taken within a millisecond of the server's message, far too soon for the
     * pid to be reused (pids are handed out in sequence), and it is checked against the
     * process's start time from then on.
     */
    ForkedProcess(long pid) {
        this.pid = pid;
    }

    private Optional<ProcessHandle> handle() {
        Optional<ProcessHandle> h = handle;
        if (h == null) {
            synchronized (this) {
                if (handle == null) {
                    handle = ProcessHandle.of(pid); // empty if gone already: the server's report still comes
                }
                h = handle;
            }
        }
        return h;
    }

    /**
     * Sets the safety net: should the server's exit report never come, the worker's end is still
     * seen, so nothing waits on it forever (its status is then unknown).
     */
    void watch() {
        handle().ifPresent(h -> h.onExit().thenRunAsync(() -> status.complete(UNKNOWN_STATUS),
                CompletableFuture.delayedExecutor(REPORT_GRACE_MILLIS, TimeUnit.MILLISECONDS)));
    }

    /**
     * Where exits are reported: never the fork-server client's reader thread, which delivers the
     * report. What waits on an exit (a pool replacing its worker) may ask that same server for a
     * new worker and wait for the answer, which only the reader thread can read.
     */
    private static final java.util.concurrent.Executor EXITS =
            java.util.concurrent.Executors.newCachedThreadPool(DaemonThreads.numbered("procwire-forked-exit"));

    /** The server's report: the worker exited with {@code exitStatus} (128 + n for signal n). */
    void exited(int exitStatus) {
        EXITS.execute(() -> status.complete(exitStatus));
    }

    /** The server is gone: learn of the worker's end from the system, status unknown. */
    void serverLost() {
        Optional<ProcessHandle> h = handle();
        if (h.isEmpty()) {
            EXITS.execute(() -> status.complete(UNKNOWN_STATUS));
        } else {
            h.get().onExit().thenRun(() -> status.complete(UNKNOWN_STATUS));
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public boolean isAlive() {
        return !status.isDone();
    }

    @Override
    public int exitValue() {
        Integer s = status.getNow(null);
        if (s == null) {
            throw new IllegalThreadStateException("worker process " + pid + " has not exited");
        }
        return s;
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            return status.get();
        } catch (ExecutionException e) {
            throw new AssertionError("the exit status is never failed", e);
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            status.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new AssertionError("the exit status is never failed", e);
        }
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return exit.copy();
    }

    /** SIGTERM, if the worker is still running. */
    @Override
    public void destroy() {
        if (isAlive()) {
            handle().ifPresent(ProcessHandle::destroy);
        }
    }

    /** SIGKILL, if the worker is still running. */
    @Override
    public Process destroyForcibly() {
        if (isAlive()) {
            handle().ifPresent(ProcessHandle::destroyForcibly);
        }
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    /**
     * @throws UnsupportedOperationException naming the pid if the worker had exited already
     *     when it was handed over (nothing to give a handle to)
     */
    @Override
    public ProcessHandle toHandle() {
        return handle().orElseThrow(() -> new UnsupportedOperationException("worker process " + pid
                + " had exited before this runtime took it: no handle"));
    }

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public String toString() {
        return "ForkedProcess[pid=" + pid + ", " + (isAlive() ? "alive" : "exitValue=" + status.getNow(null)) + "]";
    }
}
