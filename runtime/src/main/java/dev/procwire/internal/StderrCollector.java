package dev.procwire.internal;

import dev.procwire.OutputLine;
import dev.procwire.OutputListener;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads a child's standard error on a daemon thread: what the JVM itself prints there (a bad
 * option, a missing main class, a crash) and what user code writes straight to file descriptor
 * 2; also its standard output where that is not the protocol stream (FIFO and socket workers). Lines go to the output listener; the last ones are kept to explain a failed start.
 */
public final class StderrCollector {
    private static final int KEEP_LINES = 40;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final long pid;
    private final OutputLine.Stream stream;
    private volatile String name;
    private volatile OutputListener listener;

    public StderrCollector(InputStream stderr, String workerName, long pid, OutputListener listener) {
        this(stderr, workerName, pid, listener, OutputLine.Stream.STDERR);
    }

    /** Reads {@code in}, a text stream of the child shown as {@code stream} (stdout when it is not the protocol). */
    public StderrCollector(InputStream in, String workerName, long pid, OutputListener listener,
                           OutputLine.Stream stream) {
        this.pid = pid;
        this.stream = stream;
        this.name = workerName;
        this.listener = listener;
        READERS.execute(() -> pump(in, workerName));
    }

    /**
     * The threads that read workers' text streams, kept between workers: starting a thread costs
     * a few hundred microseconds on small VMs, which every worker start would pay twice.
     */
    private static final java.util.concurrent.ExecutorService READERS =
            java.util.concurrent.Executors.newCachedThreadPool(DaemonThreads.numbered("procwire-output"));

    /** From now on, lines are shown as {@code workerName}'s and go to {@code to} (a warm worker handed out). */
    public void assign(String workerName, OutputListener to) {
        this.name = workerName;
        this.listener = to;
    }

    private void pump(InputStream in, String workerName) {
        Thread.currentThread().setName("procwire-" + stream.name().toLowerCase(java.util.Locale.ROOT) + "-" + workerName);
        OutputAssembler lines = new OutputAssembler(workerName, pid, stream, line -> {
            synchronized (tail) {
                if (tail.size() == KEEP_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line.text());
            }
            listener.onLine(line.workerName().equals(name) ? line : new OutputLine(name, pid, stream, line.text()));
        });
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                lines.add(buf, 0, n);
            }
        } catch (IOException ignored) {
            // the child is gone
        } finally {
            lines.finish();
            done.countDown();
        }
    }

    /** The last lines read, joined; waits up to {@code millis} for the stream to end first. */
    public String tail(long millis) {
        try {
            done.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
