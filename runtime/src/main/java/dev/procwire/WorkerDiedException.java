package dev.procwire;

import dev.procwire.internal.ExitCodes;

/** A worker died while it held a request: names the worker, its pid and how it ended. */
public class WorkerDiedException extends ProcwireException {
    private final String workerName;
    private final long pid;
    private final int exitCode;

    public WorkerDiedException(String workerName, long pid, int exitCode) {
        super("worker " + workerName + " (pid " + pid + ") died: " + ExitCodes.describe(exitCode));
        this.workerName = workerName;
        this.pid = pid;
        this.exitCode = exitCode;
    }

    public String workerName() {
        return workerName;
    }

    public long pid() {
        return pid;
    }

    /** The exit code, negative for a death by signal. */
    public int exitCode() {
        return exitCode;
    }
}
