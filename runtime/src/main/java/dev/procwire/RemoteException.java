package dev.procwire;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.RemoteError;

/**
 * An error that happened in another process, rebuilt from the data it sent: the remote type,
 * message and stack trace as text, the worker it happened in, and a stable {@link ErrorCode}.
 */
public class RemoteException extends ProcwireException {
    private final RemoteError error;

    public RemoteException(RemoteError error) {
        super(describe(error), error.hasCause() ? new RemoteException(error.getCause()) : null);
        this.error = error;
    }

    private static String describe(RemoteError e) {
        String where = e.getWorkerId().isEmpty() ? "" : " in worker " + e.getWorkerId();
        return e.getType() + (e.getMessage().isEmpty() ? "" : ": " + e.getMessage()) + " (" + e.getCode() + where + ")";
    }

    /** The remote exception's type in its own language, such as {@code java.lang.ArithmeticException}. */
    public String remoteType() {
        return error.getType();
    }

    /** The remote exception's message. */
    public String remoteMessage() {
        return error.getMessage();
    }

    /** The remote stack trace, as the remote language printed it. */
    public String remoteStackTrace() {
        return error.getStackTrace();
    }

    /** The stable code. */
    public ErrorCode code() {
        return error.getCode();
    }

    /** The id of the worker it happened in. */
    public String workerId() {
        return error.getWorkerId();
    }

    /** The error as it came over the wire. */
    public RemoteError error() {
        return error;
    }
}
