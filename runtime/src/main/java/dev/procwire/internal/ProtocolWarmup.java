package dev.procwire.internal;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Hello;
import dev.procwire.proto.v1.Output;

/**
 * A thread that readies protobuf's classes for the protocol while a worker's main thread opens
 * its streams. Building the protocol's descriptors, and java.util.logging (which protobuf's
 * version check starts), is about a third of a worker JVM's start-up, and a second core is idle
 * meanwhile. The main thread must call {@link #await()} before it touches any protobuf class:
 * two threads initializing the same classes in different orders could deadlock on class
 * initialization. Internal.
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

    @Override
    public void run() {
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
