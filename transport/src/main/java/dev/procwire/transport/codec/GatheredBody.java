package dev.procwire.transport.codec;

import java.util.Objects;

/**
 * A frame body that {@link VarintFrameDecoder} gathered into an array of its own, as it does for a
 * large frame that spans several reads: no other frame and no buffer pool shares the array, so
 * {@link FrameBodyDecoder} parses it without a copy and the frame's bytes fields alias it.
 * Immutable once emitted: nothing writes to the array afterwards.
 */
public final class GatheredBody {
    private final byte[] bytes;

    GatheredBody(byte[] bytes) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
    }

    /** The body; the caller must not write to it. */
    byte[] bytes() {
        return bytes;
    }

    /** The body's length in bytes. */
    public int length() {
        return bytes.length;
    }
}
