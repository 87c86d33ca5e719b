package dev.procwire.transport.stream;

import java.io.BufferedInputStream;
import java.io.InputStream;

/**
 * A buffered input that can tell whether the next frame is already wholly in its buffer, so
 * that reading it cannot block. Thread safety is {@link BufferedInputStream}'s.
 */
final class ReadAhead extends BufferedInputStream {
    static final int SIZE = 64 * 1024;

    ReadAhead(InputStream in) {
        super(in, SIZE);
    }

    /**
     * Whether the buffer holds a whole varint-delimited frame (or a length prefix too long to be
     * valid, which the reader rejects without reading more).
     */
    synchronized boolean holdsWholeFrame() {
        byte[] b = buf;
        if (b == null) {
            return false; // closed
        }
        long length = 0;
        for (int p = pos, shift = 0; p < count; shift += 7) {
            int octet = b[p++];
            length |= (long) (octet & 0x7f) << shift;
            if ((octet & 0x80) == 0) {
                return count - p >= length;
            }
            if (shift >= 28) {
                return true;
            }
        }
        return false;
    }
}
