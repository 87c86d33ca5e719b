package dev.procwire.internal;

import java.io.IOException;

/**
 * Why a fork server could not serve a runtime: it died, it hangs, it is refused (another user's
 * process, or a folder that is not this user's own), or it could not start a worker. An
 * immutable exception; its message names the server's pid or path and what happened.
 */
final class ForkServerException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong; a starter replaces a server that {@link #DIED} or {@link #HUNG}, once. */
    enum Kind {
        /** Its connection was refused or ended. */
        DIED,
        /** It did not answer in time. */
        HUNG,
        /** It is not this user's: another user's process or folder. */
        REFUSED,
        /** It answered, but could not start the worker asked for. */
        FAILED
    }

    private final Kind kind;
    private final long serverPid;

    ForkServerException(Kind kind, String message) {
        this(kind, message, null, -1);
    }

    ForkServerException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, -1);
    }

    /** @param serverPid the pid of the server concerned, or -1 if unknown */
    ForkServerException(Kind kind, String message, Throwable cause, long serverPid) {
        super(message, cause);
        this.kind = kind;
        this.serverPid = serverPid;
    }

    Kind kind() {
        return kind;
    }

    /** The pid of the server concerned, or -1 if unknown. */
    long serverPid() {
        return serverPid;
    }
}
