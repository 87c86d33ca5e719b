package dev.procwire.transport.stream;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.procwire.proto.v1.Frame;
import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Termination;
import dev.procwire.transport.TransportException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads varint-length-delimited {@link Frame}s from a blocking {@link InputStream}, checking each
 * declared length against the maximum before allocating its body. The blocking twin of
 * {@link dev.procwire.transport.codec.VarintFrameDecoder}, for processes that need no event loop.
 *
 * <p>Not thread safe: one reader thread.
 */
public final class FrameReader {
    private final InputStream in;
    private final int maxFrameBytes;

    public FrameReader(InputStream in, int maxFrameBytes) {
        this.in = in;
        this.maxFrameBytes = FrameLimits.checkMax(maxFrameBytes);
    }

    /**
     * The next frame, or {@code null} at a clean end of stream (at a frame boundary).
     *
     * @throws TransportException of kind TRUNCATED, FRAME_TOO_LARGE or PROTOCOL_ERROR
     * @throws IOException if reading fails
     */
    public Frame read() throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        long length = first & 0x7f;
        int b = first;
        for (int shift = 7; (b & 0x80) != 0; shift += 7) {
            if (shift >= 35) {
                throw new TransportException(Termination.Kind.PROTOCOL_ERROR,
                        "frame length prefix is longer than 5 bytes");
            }
            b = in.read();
            if (b < 0) {
                throw new TransportException(Termination.Kind.TRUNCATED, "stream ended inside a frame length prefix");
            }
            length |= (long) (b & 0x7f) << shift;
        }
        if (length > maxFrameBytes) {
            throw new TransportException(Termination.Kind.FRAME_TOO_LARGE, FrameLimits.tooLarge(length, maxFrameBytes));
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new TransportException(Termination.Kind.TRUNCATED,
                    "stream ended inside a frame (" + body.length + " of " + length + " bytes)");
        }
        try {
            return Frame.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new TransportException(Termination.Kind.PROTOCOL_ERROR, "malformed frame: " + e.getMessage(), e);
        }
    }
}
