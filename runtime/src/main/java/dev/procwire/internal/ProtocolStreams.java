package dev.procwire.internal;

import dev.procwire.WorkerTransport;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A worker's end of its connection to the runtime, as blocking streams, chosen by
 * {@code PROCWIRE_TRANSPORT} (PROTOCOL.md §13): standard input and output, two FIFOs opened by
 * path, or a Unix socket. Only the JDK is used, so a worker needs no native library of its own.
 *
 * <p>Input is read through channels, never a {@code FileInputStream} (see {@link PipeInputStream}:
 * closing a channel wakes a blocked reader; a thread left in a stream's native read holds up JVM
 * exit). Output to a socket goes through {@link Channels#newOutputStream}, which is safe beside a
 * blocked reader only because that reader is not {@link Channels#newInputStream}'s, which holds
 * the channel's blocking lock while it waits. Internal.
 */
record ProtocolStreams(InputStream in, OutputStream out, String description) {

    static ProtocolStreams open(Map<String, String> env) throws IOException {
        String name = env.get(Protocol.ENV_TRANSPORT);
        WorkerTransport transport = name == null || name.isEmpty() ? WorkerTransport.PIPE : WorkerTransport.of(name);
        return switch (transport) {
            case PIPE -> new ProtocolStreams(new PipeInputStream(new FileInputStream(FileDescriptor.in).getChannel()),
                    new FileOutputStream(FileDescriptor.out), "pipes to runtime");
            case FIFO -> fifos(required(env, Protocol.ENV_FIFO_IN), required(env, Protocol.ENV_FIFO_OUT));
            case UNIX_SOCKET -> socket(required(env, Protocol.ENV_SOCKET));
        };
    }

    private static String required(Map<String, String> env, String variable) {
        String value = env.get(variable);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(Protocol.ENV_TRANSPORT + " is " + env.get(Protocol.ENV_TRANSPORT)
                    + " but " + variable + " is not set");
        }
        return value;
    }

    /** Opens the FIFOs in the order given; the runtime opens both of its ends at once, so either order works. */
    private static ProtocolStreams fifos(String in, String out) throws IOException {
        FileChannel reading = FileChannel.open(Path.of(in), StandardOpenOption.READ);
        FileChannel writing;
        try {
            writing = FileChannel.open(Path.of(out), StandardOpenOption.WRITE);
        } catch (IOException e) {
            reading.close();
            throw e;
        }
        return new ProtocolStreams(new PipeInputStream(reading), Channels.newOutputStream(writing),
                "FIFOs " + in + " and " + out);
    }

    private static ProtocolStreams socket(String path) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot connect to " + path + ": " + e.getMessage(), e);
        }
        return new ProtocolStreams(new PipeInputStream(channel), Channels.newOutputStream(channel),
                "Unix socket " + path);
    }
}
