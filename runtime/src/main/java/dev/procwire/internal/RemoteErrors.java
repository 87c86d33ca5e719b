package dev.procwire.internal;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.RemoteError;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Turns Java throwables into {@link RemoteError} data. Internal. */
public final class RemoteErrors {
    private RemoteErrors() {}

    public static RemoteError of(ErrorCode code, Throwable t, String workerId) {
        RemoteError.Builder b = RemoteError.newBuilder()
                .setCode(code)
                .setType(t.getClass().getName())
                .setMessage(t.getMessage() == null ? "" : t.getMessage())
                .setStackTrace(stackTrace(t))
                .setWorkerId(workerId);
        return b.build();
    }

    public static RemoteError of(ErrorCode code, String type, String message, String workerId) {
        return RemoteError.newBuilder().setCode(code).setType(type).setMessage(message).setWorkerId(workerId).build();
    }

    public static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
