package dev.procwire;

/**
 * A worker could not be started, or could not build its target: the message carries the child's
 * own error text, and {@link #exitCode()} its exit code when it has exited.
 */
public class WorkerStartException extends ProcwireException {
    private final Integer exitCode;

    public WorkerStartException(String message, Integer exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The child's exit code (negative: killed by that signal), or {@code null} if it had not exited. */
    public Integer exitCode() {
        return exitCode;
    }
}
