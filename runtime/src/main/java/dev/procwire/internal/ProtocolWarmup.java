package dev.procwire.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Hello;
import dev.procwire.proto.v1.Output;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.logging.Logger;

/**
 * A thread that readies protobuf's classes for the protocol while a worker's main thread opens
 * its streams. Initializing them, with java.util.logging (which protobuf's classes start), is
 * about half of a worker JVM's start-up, all of it interpreted, and a second core is there.
 * The main thread may call {@link #prepareCodingOnThisThread()} meanwhile, but must call
 * {@link #await()} before it touches a generated message class: two threads initializing the
 * same classes in different orders could deadlock on class initialization. Internal.
 */
final class ProtocolWarmup extends Thread {
    private volatile Throwable failure;

    private ProtocolWarmup() {
        super("procwire-warmup");
        setDaemon(true);
    }

    /** Starts readying the protocol's classes. */
    static ProtocolWarmup begin() {
        ProtocolWarmup warmup = new ProtocolWarmup();
        warmup.start();
        return warmup;
    }

    /**
     * Readies protobuf's coding classes (streams, byte strings, its Unsafe access) on the calling
     * thread, in parallel with the warm-up thread's logging and messages. Safe alongside it:
     * these classes' initialization never waits for a generated message class.
     */
    static void prepareCodingOnThisThread() {
        byte[] buffer = new byte[32];
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(buffer);
            out.writeString(1, "procwire");
            out.writeUInt64(2, 1);
            out.flush();
            CodedInputStream in = CodedInputStream.newInstance(buffer);
            in.readTag();
            in.readStringRequireUtf8();
            in.readTag();
            in.readUInt64();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: the buffer holds what was written
        }
    }

    @Override
    public void run() {
        // Protobuf's classes make java.util.logging loggers in their static initializers.
        Logger.getLogger(ProtocolWarmup.class.getName());
        try {
            // What a worker does first: encode its Hello, decode a frame, forward output.
            byte[] hello = Frame.newBuilder().setHello(Hello.newBuilder().setWorkerId("warm-up").setPid(1)
                    .setAuthToken(ByteString.copyFromUtf8("token")).addCapabilities("cancel")).build().toByteArray();
            Frame.parseFrom(hello);
            Output.Stream.STDOUT.getNumber();
        } catch (Throwable t) { // a protobuf runtime that refuses this code, say: the worker must say why
            failure = t;
        }
    }

    /**
     * Waits until the protocol's classes are ready.
     *
     * @throws IllegalStateException carrying what failed, if they could not be readied
     */
    void await() {
        boolean interrupted = false;
        while (isAlive()) {
            try {
                join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new IllegalStateException("cannot load the protocol's classes: " + failure, failure);
        }
    }
}
