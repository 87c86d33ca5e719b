package dev.procwire.bench;

import dev.procwire.proto.v1.Frame;
import dev.procwire.proto.v1.Heartbeat;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child side of {@link TransportBench}: a plain blocking reader and writer on the same kind of
 * descriptor as the runtime's transport, the counterpart of the C child in the peer suite's
 * {@code limit/ipc.c} (a blocking {@code read}/{@code write} loop on one thread).
 *
 * <pre>
 *   TransportPeer pipe                         (its standard input and output are the pipes)
 *   TransportPeer fifo READ_PATH WRITE_PATH    (opens READ_PATH for reading, then WRITE_PATH for writing)
 *   TransportPeer uds SOCKET_PATH              (connects to the runtime's socket)
 * </pre>
 *
 * It speaks procwire's framing (varint32 length + Frame body) but parses no body, so its own cost
 * stays near the C child's: NIO channels with one direct buffer (no JNI copy through a malloc'd
 * buffer as {@code FileInputStream.read(byte[])} does for large reads), one {@code write} per
 * echoed frame. First it sends {@code Heartbeat{sequence 0}} ("ready"; on a Unix socket it is also
 * the first frame the server's handshake deadline waits for). Then, per frame:
 *
 * <ul>
 *   <li>body of {@link #SINK_MIN} bytes or more: read and dropped, its length added to a count (throughput);
 *   <li>a smaller Heartbeat ({@code 0x5a}, field 11, is its first body byte; parsed): with
 *       {@code echo} false, answered with {@code Heartbeat{sequence = count}} and the count reset
 *       (end of a throughput rep); with {@code echo} true, answered with {@code sequence} frames of
 *       1 MiB of Output data (throughput child to runtime), written from one prebuilt direct buffer;
 *   <li>any other smaller frame: written back byte for byte (round trip).
 * </ul>
 *
 * Exits at end of stream.
 */
public final class TransportPeer {
    /** Frames with a body this large or larger are sunk, not echoed. */
    static final int SINK_MIN = 4096;
    private static final int CAPACITY = (2 << 20) + 64;
    private static final byte HEARTBEAT_TAG = (11 << 3) | 2;

    private final ReadableByteChannel in;
    private final WritableByteChannel out;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CAPACITY);
    private int r; // next unread byte
    private int w; // end of the bytes read
    private ByteBuffer big; // a delimited 1 MiB Output frame, for source()

    private TransportPeer(ReadableByteChannel in, WritableByteChannel out) {
        this.in = in;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        ReadableByteChannel in;
        WritableByteChannel out;
        switch (args.length > 0 ? args[0] : "") {
            case "pipe" -> {
                in = new FileInputStream(FileDescriptor.in).getChannel();
                out = new FileOutputStream(FileDescriptor.out).getChannel();
            }
            case "fifo" -> {
                // The runtime opens its two ends at once on two threads, so any order works here.
                in = FileChannel.open(Path.of(args[1]), StandardOpenOption.READ);
                out = FileChannel.open(Path.of(args[2]), StandardOpenOption.WRITE);
            }
            case "uds" -> {
                SocketChannel s = SocketChannel.open(UnixDomainSocketAddress.of(args[1]));
                in = s;
                out = s;
            }
            default -> {
                System.err.println("usage: TransportPeer pipe | fifo READ WRITE | uds SOCKET");
                System.exit(2);
                return;
            }
        }
        new TransportPeer(in, out).serve();
        System.exit(0);
    }

    private void serve() throws IOException {
        send(heartbeat(0));
        long count = 0;
        long skip = 0;
        while (true) {
            if (skip > 0) {
                if (r == w && !fill()) {
                    return;
                }
                int n = (int) Math.min(skip, w - r);
                r += n;
                skip -= n;
                continue;
            }
            // a varint32 length prefix at r
            long len = 0;
            int hdr = 0;
            boolean whole = false;
            for (int i = r; i < w && hdr < 5; i++) {
                byte b = buf.get(i);
                len |= (long) (b & 0x7f) << (7 * hdr);
                hdr++;
                if (b >= 0) {
                    whole = true;
                    break;
                }
            }
            if (!whole) {
                if (hdr == 5) {
                    throw new IOException("frame length prefix longer than 5 bytes");
                }
                if (!fill()) {
                    return;
                }
                continue;
            }
            if (len >= SINK_MIN) {
                r += hdr;
                skip = len;
                count += len;
                continue;
            }
            if (w - r < hdr + len) {
                if (!fill()) {
                    return;
                }
                continue;
            }
            int end = r + hdr + (int) len;
            if (len > 0 && buf.get(r + hdr) == HEARTBEAT_TAG) {
                byte[] body = new byte[(int) len];
                buf.get(r + hdr, body);
                Heartbeat hb = Frame.parseFrom(body).getHeartbeat();
                if (hb.getEcho()) {
                    source(hb.getSequence());
                } else {
                    send(heartbeat(count));
                    count = 0;
                }
            } else {
                ByteBuffer frame = buf.duplicate();
                frame.limit(end).position(r);
                writeFully(frame);
            }
            r = end;
        }
    }

    /** Writes {@code n} frames of {@link TransportBench#BW_PAYLOAD} bytes of Output data, each with one write loop. */
    private void source(long n) throws IOException {
        if (big == null) {
            byte[] bytes = TransportBench.delimited(TransportBench.output(TransportBench.BW_PAYLOAD));
            big = ByteBuffer.allocateDirect(bytes.length);
            big.put(bytes).flip();
        }
        for (long i = 0; i < n; i++) {
            writeFully(big.duplicate());
        }
    }

    /** Reads once more (as much as is there, blocking until something is); false at end of stream. */
    private boolean fill() throws IOException {
        if (r == w) {
            r = 0;
            w = 0;
        } else if (w > CAPACITY - 65536) {
            ByteBuffer rest = buf.duplicate();
            rest.limit(w).position(r);
            ByteBuffer head = buf.duplicate();
            head.clear();
            head.put(rest);
            w -= r;
            r = 0;
        }
        buf.limit(CAPACITY).position(w);
        int n = in.read(buf);
        if (n < 0) {
            return false;
        }
        w += n;
        return true;
    }

    private void send(Frame frame) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(TransportBench.delimited(frame));
        writeFully(bytes);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    static Frame heartbeat(long sequence) {
        return Frame.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(sequence)).build();
    }
}
