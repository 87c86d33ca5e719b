package dev.procwire.transport.internal;

import dev.procwire.transport.FrameLimits;
import dev.procwire.transport.Termination;
import dev.procwire.transport.TransportException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Buffered reading of whole messages from an {@link FdEndpoint}: varint-length-delimited
 * messages (the framing of every procwire stream, see
 * {@link dev.procwire.transport.stream.FrameReader}) and text lines, each with a deadline.
 *
 * <p>A call whose deadline passes throws {@link SocketTimeoutException} and keeps what it had
 * read, so the next call goes on where it stopped and the stream stays in step; so does a call
 * interrupted while waiting. Each declared length is checked against the maximum before anything
 * is allocated for it.
 *
 * <p>End of stream is not sticky: each call reads again, as a FIFO that a new writer opened may
 * have more to say. On a pipe or socket it stays at the end.
 *
 * <p>Not thread safe: one reading thread at a time. Internal.
 */
public final class FdReader {
    private static final int BUFFER_BYTES = 64 * 1024;
    /** A body at least this large is read straight into its array, not through the buffer. */
    private static final int DIRECT_READ_BYTES = 8 * 1024;

    private final FdEndpoint in;
    private byte[] buf = new byte[BUFFER_BYTES];
    private int pos;
    private int limit;
    private int scanned; // bytes from pos already searched for a line end
    private boolean eof;
    private byte[] body; // the message in progress, once its length is known
    private int filled;

    public FdReader(FdEndpoint in) {
        this.in = in;
    }

    /**
     * The body of the next varint-length-delimited message, or {@code null} at a clean end of
     * stream (between messages).
     *
     * @param deadline a {@link System#nanoTime()} time, or {@link FdEndpoint#NO_DEADLINE}
     * @throws SocketTimeoutException if the deadline passed first (what was read is kept)
     * @throws TransportException of kind TRUNCATED (the stream ended inside a message; it is
     *     dropped), FRAME_TOO_LARGE or PROTOCOL_ERROR (the stream is out of step: stop reading),
     *     or LOCAL_SHUTDOWN (the endpoint was closed)
     */
    public byte[] readDelimited(int maxBytes, long deadline) throws IOException {
        eof = false;
        while (body == null) {
            long length = takeLength(maxBytes);
            if (length >= 0) {
                body = new byte[(int) length]; // the length was checked against the maximum
                filled = 0;
                break;
            }
            if (eof) {
                if (pos == limit) {
                    return null;
                }
                int partial = limit - pos;
                pos = limit;
                throw new TransportException(Termination.Kind.TRUNCATED, in.name()
                        + ": the stream ended inside a message length prefix (" + partial + " bytes)");
            }
            fill(deadline);
        }
        int fromBuffer = Math.min(limit - pos, body.length - filled);
        System.arraycopy(buf, pos, body, filled, fromBuffer);
        pos += fromBuffer;
        filled += fromBuffer;
        while (filled < body.length) {
            int missing = body.length - filled;
            if (missing >= DIRECT_READ_BYTES) {
                int n = in.read(body, filled, missing, deadline);
                if (n > 0) {
                    filled += n;
                    continue;
                }
                ended(n);
            } else {
                fill(deadline);
                if (eof) {
                    ended(-1);
                }
                int m = Math.min(limit - pos, missing);
                System.arraycopy(buf, pos, body, filled, m);
                pos += m;
                filled += m;
            }
        }
        byte[] done = body;
        body = null;
        return done;
    }

    /** After a body read that returned {@code n} &lt;= 0: end of stream or timeout. */
    private void ended(int n) throws IOException {
        if (n < 0) {
            int length = body.length;
            int got = filled;
            body = null;
            throw new TransportException(Termination.Kind.TRUNCATED, in.name() + ": the stream ended inside a message ("
                    + got + " of " + length + " bytes): the sender died or broke off while writing it");
        }
        throw new SocketTimeoutException(in.name() + ": timed out inside a message");
    }

    /**
     * Takes a whole varint length prefix from the buffer and returns it, or returns -1 (taking
     * nothing) if the buffer holds only part of one.
     */
    private long takeLength(int maxBytes) throws TransportException {
        long length = 0;
        for (int i = 0; i < 5; i++) {
            if (pos + i >= limit) {
                return -1;
            }
            int b = buf[pos + i];
            length |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (length > maxBytes) {
                    throw new TransportException(Termination.Kind.FRAME_TOO_LARGE,
                            in.name() + ": " + FrameLimits.tooLarge(length, maxBytes));
                }
                pos += i + 1;
                return length;
            }
        }
        throw new TransportException(Termination.Kind.PROTOCOL_ERROR,
                in.name() + ": message length prefix is longer than 5 bytes");
    }

    /**
     * The next line of UTF-8 text, without its {@code \n} (or {@code \r\n}); at end of stream the
     * text after the last line end, if any; then {@code null}.
     *
     * @throws SocketTimeoutException if the deadline passed first (what was read is kept)
     * @throws TransportException of kind FRAME_TOO_LARGE if a line is longer than
     *     {@code maxBytes}, or LOCAL_SHUTDOWN
     */
    public String readLine(int maxBytes, long deadline) throws IOException {
        if (body != null) {
            throw new IllegalStateException(in.name() + ": a message was only partly read; read it first");
        }
        eof = false;
        while (true) {
            for (int i = pos + scanned; i < limit; i++) {
                if (buf[i] == '\n') {
                    int start = pos;
                    int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
                    pos = i + 1;
                    scanned = 0;
                    if (end - start > maxBytes) {
                        throw lineTooLong(maxBytes);
                    }
                    return new String(buf, start, end - start, StandardCharsets.UTF_8);
                }
            }
            scanned = limit - pos;
            if (eof) {
                if (pos == limit) {
                    return null;
                }
                String last = new String(buf, pos, limit - pos, StandardCharsets.UTF_8);
                pos = limit;
                scanned = 0;
                return last;
            }
            if (limit - pos > maxBytes) {
                throw lineTooLong(maxBytes);
            }
            fill(deadline);
        }
    }

    private TransportException lineTooLong(int maxBytes) {
        return new TransportException(Termination.Kind.FRAME_TOO_LARGE,
                in.name() + ": a line longer than the maximum of " + maxBytes + " bytes");
    }

    /**
     * Reads more into the buffer, making room first (growing it only when it is full of one
     * unfinished line). Sets {@link #eof} at end of stream.
     */
    private void fill(long deadline) throws IOException {
        if (pos == limit) {
            pos = 0;
            limit = 0;
        } else if (limit == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            } else {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }
        int n = in.read(buf, limit, buf.length - limit, deadline);
        if (n > 0) {
            limit += n;
        } else if (n < 0) {
            eof = true;
        } else {
            throw new SocketTimeoutException(in.name() + ": timed out");
        }
    }
}
