package dev.procwire.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.procwire.proto.v1.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Transport.Listener} that records what it is told, and checks the listener contract as
 * it goes: callbacks never overlap, nothing arrives after {@code onTerminated}, which comes once.
 */
public final class RecordingListener implements Transport.Listener {
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Termination> terminated = new CompletableFuture<>();
    private final AtomicInteger terminations = new AtomicInteger();
    private final AtomicInteger inCallback = new AtomicInteger();
    private final List<String> violations = new ArrayList<>();

    @Override
    public void onFrame(Frame frame) {
        enter();
        try {
            if (terminated.isDone()) {
                violation("onFrame after onTerminated: " + frame);
            }
            frames.add(frame);
        } finally {
            inCallback.decrementAndGet();
        }
    }

    @Override
    public void onTerminated(Termination termination) {
        enter();
        try {
            if (terminations.incrementAndGet() > 1) {
                violation("onTerminated called again: " + termination);
            }
            terminated.complete(termination);
        } finally {
            inCallback.decrementAndGet();
        }
    }

    private void enter() {
        if (inCallback.incrementAndGet() != 1) {
            violation("callbacks overlapped");
        }
    }

    private synchronized void violation(String what) {
        violations.add(what);
    }

    /** The next frame, failing the test if none arrives within {@link #DEFAULT_WAIT}. */
    public Frame next() throws InterruptedException {
        Frame frame = frames.poll(DEFAULT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(frame, "no frame arrived within " + DEFAULT_WAIT);
        return frame;
    }

    /** The next {@code n} frames. */
    public List<Frame> next(int n) throws InterruptedException {
        List<Frame> got = new ArrayList<>(n);
        long deadline = System.nanoTime() + DEFAULT_WAIT.toNanos();
        while (got.size() < n) {
            long left = deadline - System.nanoTime();
            Frame frame = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (frame == null) {
                fail("only " + got.size() + " of " + n + " frames arrived within " + DEFAULT_WAIT);
            }
            got.add(frame);
        }
        return got;
    }

    /** Frames received and not yet taken. */
    public List<Frame> drain() {
        List<Frame> rest = new ArrayList<>();
        frames.drainTo(rest);
        return rest;
    }

    /** The termination, failing the test if it does not come within {@link #DEFAULT_WAIT}. */
    public Termination termination() throws InterruptedException {
        try {
            return terminated.get(DEFAULT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no termination within " + DEFAULT_WAIT, e);
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    public CompletableFuture<Termination> terminated() {
        return terminated;
    }

    public int terminations() {
        return terminations.get();
    }

    /** Asserts the listener contract held: onTerminated once, nothing after it, no overlap. */
    public synchronized void assertContractKept() {
        assertEquals(List.of(), violations, "listener contract violations");
        assertEquals(1, terminations.get(), "onTerminated calls");
    }
}
