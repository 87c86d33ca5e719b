package dev.procwire.internal;

import dev.procwire.proto.v1.Output;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.stream.StreamTransport;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.nio.charset.StandardCharsets;

/**
 * The main class of a Java worker process. It takes standard input and output for the protocol
 * (or the FIFOs or socket its runtime names, see {@link ProtocolStreams}),
 * replaces {@code System.out} and {@code System.err} with streams that forward as Output frames,
 * and serves the runtime until told to exit or until its input ends (the runtime died).
 * File descriptor 2 stays for the JVM's own diagnostics, which the runtime reads as text.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        ProtocolWarmup warmup = ProtocolWarmup.begin();
        ProtocolWarmup.prepareCodingOnThisThread();
        PrintStream diagnostics = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        String workerId = System.getenv(Protocol.ENV_WORKER_ID);
        if (workerId == null || workerId.isEmpty()) {
            diagnostics.println("procwire: " + WorkerMain.class.getName() + " is started by a procwire runtime, "
                    + "which sets " + Protocol.ENV_WORKER_ID + "; it is not set here");
            System.exit(2);
        }
        int maxFrame = FrameLimits.DEFAULT_MAX_FRAME_BYTES;
        String max = System.getenv(Protocol.ENV_MAX_FRAME);
        if (max != null) {
            maxFrame = Integer.parseInt(max);
        }
        try {
            ApplicationClassLoader.install(System.getenv(Protocol.ENV_CLASSPATH)); // threads made later inherit it
        } catch (IllegalArgumentException e) {
            diagnostics.println("procwire: " + e.getMessage());
            System.exit(2);
        }
        ProtocolStreams streams;
        try {
            streams = ProtocolStreams.open(System.getenv());
        } catch (IOException | RuntimeException e) {
            diagnostics.println("procwire: worker " + workerId + " cannot reach its runtime: " + e.getMessage());
            System.exit(2);
            return;
        }
        // One pool for reading and for tasks: the thread that reads a Submit runs it, and an idle
        // pooled thread (parked, not in native code) takes over reading.
        ExecutorService threads = Executors.newCachedThreadPool(DaemonThreads.numbered("procwire-worker"));
        StreamTransport transport = new StreamTransport(new BufferedInputStream(streams.in(), 65536),
                streams.out(), streams.description(), maxFrame, threads);
        JavaWorker worker = new JavaWorker(transport, workerId, System.getenv(Protocol.ENV_TOKEN), diagnostics);
        worker.prepare();
        warmup.await(); // from here on, protobuf's classes may be used
        System.setOut(new PrintStream(new ForwardingOutputStream(transport, Output.Stream.STDOUT), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ForwardingOutputStream(transport, Output.Stream.STDERR), true, StandardCharsets.UTF_8));
        dev.procwire.codec.JavaSerializationCodec.enableFromProperty();
        worker.serve();
    }
}
