package dev.procwire.internal;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Output;
import dev.procwire.transport.stream.StreamTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What a worker installs as {@code System.out} and {@code System.err}: bytes written are sent to
 * the runtime as {@link Output} frames, so nothing user code prints can corrupt the protocol
 * stream on standard output. Buffers until a line break, a flush or 8 KiB. Thread safe.
 */
final class ForwardingOutputStream extends OutputStream {
    private static final int CHUNK = 8192;
    private final StreamTransport transport;
    private final Output.Stream stream;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);

    ForwardingOutputStream(StreamTransport transport, Output.Stream stream) {
        this.transport = transport;
        this.stream = stream;
    }

    @Override
    public synchronized void write(int b) {
        buffer.write(b);
        if (b == '\n' || buffer.size() >= CHUNK) {
            flush();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        buffer.write(b, off, len);
        if (buffer.size() >= CHUNK || contains(b, off, len, (byte) '\n')) {
            flush();
        }
    }

    private static boolean contains(byte[] b, int off, int len, byte value) {
        for (int i = off; i < off + len; i++) {
            if (b[i] == value) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void flush() {
        if (buffer.size() == 0) {
            return;
        }
        Frame frame = Frame.newBuilder().setOutput(Output.newBuilder()
                .setStream(stream).setData(ByteString.copyFrom(buffer.toByteArray()))).build();
        buffer.reset();
        try {
            transport.write(frame);
        } catch (IOException e) {
            // The runtime is gone; there is no one left to show this output to.
        }
    }

    @Override
    public void close() {
        flush();
    }
}
