package dev.procwire.transport;

/** Frame size limits shared by every transport. */
public final class FrameLimits {
    /** Default largest frame body accepted, in bytes: 64 MiB (PROTOCOL.md, "Framing"). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 << 20;

    private FrameLimits() {}

    /** Returns {@code max} if it is a usable maximum, or throws naming the bad value. */
    public static int checkMax(int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("maximum frame size must be positive, got " + max);
        }
        return max;
    }

    /** The message for a frame of {@code length} bytes over {@code max}, shared by all readers. */
    public static String tooLarge(long length, int max) {
        return "frame of " + length + " bytes exceeds the maximum of " + max + " bytes";
    }
}
