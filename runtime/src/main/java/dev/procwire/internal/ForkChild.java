package dev.procwire.internal;

import dev.procwire.proto.v1.Frame;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFPipe;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * A worker process a fork server spawned, with the server's ends of its three pipes (stdin,
 * stdout, stderr) until they are handed to a runtime. The server reads the worker's Hello from
 * its stdout itself ({@link #readHello}), reading exactly that frame and nothing after it, so a
 * runtime takes over a stream positioned just after the Hello.
 *
 * <p>Thread safety: {@link #readHello} is called once, by the thread that spawned the worker;
 * {@link #closeEnds()} and {@link #kill()} may be called from any thread and are idempotent.
 */
final class ForkChild {
    private static final int MAX_HELLO_BYTES = 64 * 1024;
    private static final int MAX_STDERR_BYTES = 16 * 1024;

    private final Process process;
    private final String workerId;
    private final AFPipe stdin;
    private final AFPipe stdout;
    private final AFPipe stderr;
    private byte[] hello = new byte[0];
    private boolean endsClosed;

    private ForkChild(Process process, String workerId, AFPipe stdin, AFPipe stdout, AFPipe stderr) {
        this.process = process;
        this.workerId = workerId;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Spawns {@code spec}'s Java worker with SpawnStarter's command line, on three fresh pipes. */
    static ForkChild spawn(SpawnStarter spawner, LaunchSpec spec) throws IOException {
        AFPipe in = AFPipe.open();
        AFPipe out = null;
        AFPipe err = null;
        try {
            out = AFPipe.open();
            err = AFPipe.open();
            AFPipe o = out;
            AFPipe e = err;
            Process p = spawner.launch(spec, b -> b.redirectInput(redirect(in.source()))
                    .redirectOutput(redirect(o.sink())).redirectError(redirect(e.sink())));
            // The child has its ends; without closing ours, nobody would see end of stream.
            closeAll(in.source(), out.sink(), err.sink());
            return new ForkChild(p, spec.workerId(), in, out, err);
        } catch (IOException | RuntimeException e) {
            closeAll(in.source(), in.sink());
            if (out != null) {
                closeAll(out.source(), out.sink());
            }
            if (err != null) {
                closeAll(err.source(), err.sink());
            }
            throw e;
        }
    }

    private static Redirect redirect(org.newsclub.net.unix.FileDescriptorAccess end) throws IOException {
        return FileDescriptorCast.using(end.getFileDescriptor()).as(Redirect.class);
    }

    Process process() {
        return process;
    }

    String workerId() {
        return workerId;
    }

    /** The Hello frame (without its length prefix) read by {@link #readHello}, or empty. */
    byte[] hello() {
        return hello;
    }

    /**
     * Reads the worker's first frame from its stdout, which must be its Hello with the id it was
     * given; the worker is killed if it has not arrived within {@code timeoutMillis}.
     *
     * @throws IOException saying what happened instead, with the worker's stderr if it died
     */
    void readHello(long timeoutMillis, ScheduledExecutorService timers) throws IOException {
        ScheduledFuture<?> watchdog = timers.schedule(process::destroyForcibly, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            int length = readVarint();
            if (length <= 0 || length > MAX_HELLO_BYTES) {
                throw new IOException("worker pid " + process.pid() + " sent a first frame of " + length
                        + " bytes, not a Hello");
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            while (body.hasRemaining()) {
                if (stdout.source().read(body) < 0) {
                    throw new IOException("worker pid " + process.pid() + " ended its stdout within its Hello");
                }
            }
            Frame frame = Frame.parseFrom(body.array());
            if (frame.getBodyCase() != Frame.BodyCase.HELLO || !frame.getHello().getWorkerId().equals(workerId)) {
                throw new IOException("worker pid " + process.pid() + " sent " + frame.getBodyCase()
                        + (frame.hasHello() ? " with id \"" + frame.getHello().getWorkerId() + "\"" : "")
                        + " first, not a Hello with id \"" + workerId + "\"");
            }
            hello = body.array();
            runtimeEnds(); // made ready for the hand-over now, not while a runtime waits
        } catch (IOException e) {
            kill();
            throw new IOException(e.getMessage() + describeDeath(), e);
        } finally {
            watchdog.cancel(false);
        }
    }

    private int readVarint() throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            one.clear();
            if (stdout.source().read(one) < 0) {
                throw new IOException("worker pid " + process.pid() + " ended its stdout before saying hello");
            }
            int b = one.get(0) & 0xff;
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("worker pid " + process.pid() + " sent a malformed frame length");
    }

    /** "; exit status 1; its stderr said: ..." once the worker has died, else "". */
    private String describeDeath() {
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                return "";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
        StringBuilder s = new StringBuilder("; exit status ").append(process.exitValue());
        String text = stderrText();
        if (!text.isBlank()) {
            s.append("; its stderr said:\n").append(text.strip());
        }
        return s.toString();
    }

    /** What the dead worker wrote to its stderr, at most 16 KiB. */
    private String stderrText() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ByteBuffer chunk = ByteBuffer.allocate(4096);
        try {
            int n;
            while (text.size() < MAX_STDERR_BYTES && (n = stderr.source().read(chunk.clear())) > 0) {
                text.write(chunk.array(), 0, n);
            }
        } catch (IOException e) {
            // what was read is what there is
        }
        return text.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The server's ends for a runtime: the write end of stdin and the read end of stdout, both
     * made non-blocking for the runtime's event loop, and the read end of stderr, blocking for
     * its reader thread. They stay open here until {@link #closeEnds()}.
     */
    FileDescriptor[] runtimeEnds() throws IOException {
        if (stdin.sink().isBlocking()) {
            stdin.sink().configureBlocking(false);
        }
        if (stdout.source().isBlocking()) {
            stdout.source().configureBlocking(false);
        }
        return new FileDescriptor[] {stdin.sink().getFileDescriptor(), stdout.source().getFileDescriptor(),
                stderr.source().getFileDescriptor()};
    }

    /** Closes the server's ends: after they were sent, or to make an unwanted worker exit. */
    synchronized void closeEnds() {
        if (!endsClosed) {
            endsClosed = true;
            closeAll(stdin.sink(), stdout.source(), stderr.source());
        }
    }

    /** Kills the worker (SIGKILL) and closes the server's ends. */
    void kill() {
        process.destroyForcibly();
        closeEnds();
    }

    private static void closeAll(Channel... channels) {
        for (Channel c : channels) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already closed, or the child is gone
            }
        }
    }
}
