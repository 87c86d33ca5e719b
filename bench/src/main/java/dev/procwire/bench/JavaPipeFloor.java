package dev.procwire.bench;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The Java floor for 1 MiB throughput over a pipe: what two plain JVMs reach with nothing of
 * procwire in between, measured as the C floor ({@code ipc bw pipe1m}) measures, so that the
 * part of procwire's distance to the C floor that any JVM pays can be told from the part that is
 * procwire's own. Run as two processes joined by a shell pipe:
 *
 * <pre>
 *   java ... JavaPipeFloor write SECS heap|direct | java ... JavaPipeFloor read raw|heap
 * </pre>
 *
 * The writer grows its stdout pipe to 1 MiB ({@code F_SETPIPE_SZ}, as the C floor and procwire
 * do) and writes 1 MiB chunks for SECS seconds: from a heap {@code byte[]} ({@code heap}: the JDK
 * copies it into a temporary direct buffer before {@code write(2)}, the copy a caller's heap
 * payload costs) or from one direct buffer ({@code direct}: {@code write(2)} alone, as C). The
 * reader reads 1 MiB chunks into one direct buffer ({@code raw}: {@code read(2)} alone, as C) or
 * also copies each into a new {@code byte[]} ({@code heap}: what a receiver that hands heap data
 * to its caller must do at least, the JVM zeroing the array first). The reader prints
 * {@code java_pipe_bw_<writer>_<reader>: MiB/s}, timed from 1 s after the first byte to end of
 * stream.
 */
public final class JavaPipeFloor {
    private static final int CHUNK = 1 << 20;
    private static final int F_SETPIPE_SZ = 1031;
    static volatile byte[] sink;

    private JavaPipeFloor() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 3 && args[0].equals("write")) {
            write(Double.parseDouble(args[1]), args[2].equals("direct"));
        } else if (args.length == 2 && args[0].equals("read")) {
            read(args[1].equals("heap"), System.getProperty("floor.writer", "?"));
        } else {
            System.err.println("usage: JavaPipeFloor write SECS heap|direct | JavaPipeFloor read raw|heap");
            System.exit(2);
        }
    }

    private static void write(double secs, boolean direct) throws IOException {
        com.sun.jna.Function fcntl = com.sun.jna.NativeLibrary.getInstance("c").getFunction("fcntl");
        if (fcntl.invokeInt(new Object[] {1, F_SETPIPE_SZ, CHUNK}) < 0) {
            throw new IOException("F_SETPIPE_SZ on stdout failed: is stdout a pipe?");
        }
        FileChannel out = new FileOutputStream(FileDescriptor.out).getChannel();
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

    private static void read(boolean heap, String writer) throws IOException {
        FileChannel in = new FileInputStream(FileDescriptor.in).getChannel();
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
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("java_pipe_bw_%s_%s: %.0f MiB/s%n", writer, heap ? "heap" : "raw", bytes / (double) CHUNK / secs);
    }
}
