package dev.procwire.bench;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Java floor for 1 MiB throughput over a pipe or a Unix socket: what two plain JVMs reach
 * with nothing of procwire in between, measured as the C floor ({@code ipc bw pipe1m}, {@code ipc
 * bw uds}) measures, so that the part of procwire's distance to the C floor that any JVM pays can
 * be told from the part that is procwire's own. Run as two processes:
 *
 * <pre>
 *   java ... JavaFloor write pipe SECS heap|direct | java ... JavaFloor read pipe raw|heap
 *   java ... JavaFloor read uds PATH raw|heap &amp;  java ... JavaFloor write uds PATH SECS heap|direct
 * </pre>
 *
 * The pipe writer grows its stdout pipe to 1 MiB ({@code F_SETPIPE_SZ}, as the C floor and
 * procwire do); the uds reader listens on PATH and the writer connects to it, both with the
 * kernel's default socket buffers, as the C floor's {@code socketpair}. The writer writes 1 MiB
 * chunks for SECS seconds: from a heap {@code byte[]} ({@code heap}: the JDK copies it into a
 * temporary direct buffer before {@code write(2)}, the copy a caller's heap payload costs) or from
 * one direct buffer ({@code direct}: {@code write(2)} alone, as C). The reader reads 1 MiB chunks
 * into one direct buffer ({@code raw}: {@code read(2)} alone, as C) or also copies each into a new
 * {@code byte[]} ({@code heap}: what a receiver that hands heap data to its caller must do at
 * least, the JVM zeroing the array first). The reader prints
 * {@code java_<kind>_bw_<writer>_<reader>: MiB/s}, timed from 1 s after the first byte to end of
 * stream; the writer's mode comes to it as {@code -Dfloor.writer}.
 */
public final class JavaFloor {
    private static final int CHUNK = 1 << 20;
    private static final int F_SETPIPE_SZ = 1031;
    static volatile byte[] sink;

    private JavaFloor() {}

    public static void main(String[] args) throws Exception {
        String usage = "usage: JavaFloor write pipe SECS heap|direct | JavaFloor read pipe raw|heap\n"
                + "       JavaFloor read uds PATH raw|heap & JavaFloor write uds PATH SECS heap|direct";
        String writer = System.getProperty("floor.writer", "?");
        if (args.length == 4 && args[0].equals("write") && args[1].equals("pipe")) {
            write(growStdoutPipe(), Double.parseDouble(args[2]), args[3].equals("direct"));
        } else if (args.length == 3 && args[0].equals("read") && args[1].equals("pipe")) {
            read(new FileInputStream(FileDescriptor.in).getChannel(), args[2].equals("heap"), "pipe", writer);
        } else if (args.length == 5 && args[0].equals("write") && args[1].equals("uds")) {
            try (SocketChannel out = connect(Path.of(args[2]))) {
                write(out, Double.parseDouble(args[3]), args[4].equals("direct"));
            }
        } else if (args.length == 4 && args[0].equals("read") && args[1].equals("uds")) {
            Path path = Path.of(args[2]);
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(path));
                try (SocketChannel in = server.accept()) {
                    Files.deleteIfExists(path);
                    read(in, args[3].equals("heap"), "uds", writer);
                }
            } finally {
                Files.deleteIfExists(path);
            }
        } else {
            System.err.println(usage);
            System.exit(2);
        }
    }

    private static WritableByteChannel growStdoutPipe() throws IOException {
        com.sun.jna.Function fcntl = com.sun.jna.NativeLibrary.getInstance("c").getFunction("fcntl");
        if (fcntl.invokeInt(new Object[] {1, F_SETPIPE_SZ, CHUNK}) < 0) {
            throw new IOException("F_SETPIPE_SZ on stdout failed: is stdout a pipe?");
        }
        return new FileOutputStream(FileDescriptor.out).getChannel();
    }

    /** Connects to the reader's socket, waiting up to 30 s for it to listen. */
    private static SocketChannel connect(Path path) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return SocketChannel.open(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no reader listening on " + path + " after 30 s", e);
                }
                Thread.sleep(20);
            }
        }
    }

    private static void write(WritableByteChannel out, double secs, boolean direct) throws IOException {
        byte[] array = new byte[CHUNK];
        java.util.Arrays.fill(array, (byte) 'x');
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(CHUNK).put(array) : ByteBuffer.wrap(array);
        long end = System.nanoTime() + (long) ((secs + 1) * 1e9); // +1 s: the reader's warm-up
        while (System.nanoTime() < end) {
            buf.clear();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        }
        out.close();
    }

    private static void read(ReadableByteChannel in, boolean heap, String kind, String writer) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long first = 0;
        long start = 0;
        long bytes = 0;
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            long now = System.nanoTime();
            if (first == 0) {
                first = now;
            }
            if (start == 0 && now - first > 1_000_000_000L) {
                start = now;
                bytes = 0;
            }
            bytes += n;
            if (!buf.hasRemaining()) {
                if (heap) {
                    byte[] copy = new byte[CHUNK];
                    buf.flip();
                    buf.get(copy);
                    sink = copy;
                }
                buf.clear();
            }
        }
        if (start == 0) {
            throw new IOException("the stream ended within the first second: nothing timed");
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("java_%s_bw_%s_%s: %.0f MiB/s%n", kind, writer, heap ? "heap" : "raw", bytes / (double) CHUNK / secs);
    }
}
