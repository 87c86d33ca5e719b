package dev.procwire;

/** A task ran past its time budget; the worker that ran it was stopped (and replaced if needed). */
public class TaskTimeoutException extends ProcwireException {
    public TaskTimeoutException(String message) {
        super(message);
    }
}
