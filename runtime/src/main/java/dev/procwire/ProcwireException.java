package dev.procwire;

/** The base of procwire's unchecked exceptions. */
public class ProcwireException extends RuntimeException {
    public ProcwireException(String message) {
        super(message);
    }

    public ProcwireException(String message, Throwable cause) {
        super(message, cause);
    }
}
