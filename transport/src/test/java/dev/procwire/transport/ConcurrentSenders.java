package dev.procwire.transport;

import static dev.procwire.transport.TestFrames.heartbeat;
import static dev.procwire.transport.TestFrames.output;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.procwire.proto.v1.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Several threads sending on one transport at once, and the check that each thread's frames
 * arrive in the order it sent them. Frame {@code i} of thread {@code t} is
 * {@code heartbeat(t << 32 | i)}, except that every tenth is a larger Output frame, so frames of
 * different lengths interleave.
 */
public final class ConcurrentSenders {
    private ConcurrentSenders() {}

    /** Sends {@code perThread} frames from each of {@code threads} threads; returns every send's future. */
    public static List<CompletableFuture<Void>> send(Transport transport, int threads, int perThread, Duration wait)
            throws Exception {
        return send(transport, threads, perThread, wait, i -> i % 700);
    }

    /**
     * As {@link #send(Transport, int, int, Duration)}, the Output frame of index {@code i}
     * carrying {@code outputSize.applyAsInt(i)} bytes.
     */
    public static List<CompletableFuture<Void>> send(Transport transport, int threads, int perThread, Duration wait,
                                                     java.util.function.IntUnaryOperator outputSize) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<CompletableFuture<Void>>>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long thread = t;
                senders.add(pool.submit(() -> {
                    List<CompletableFuture<Void>> sends = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        Frame frame = i % 10 == 0
                                ? output(outputSize.applyAsInt(i), thread * perThread + i)
                                : heartbeat((thread << 32) | i);
                        sends.add(transport.send(frame));
                    }
                    return sends;
                }));
            }
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<Void>>> sender : senders) {
                all.addAll(sender.get(wait.toMillis(), TimeUnit.MILLISECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Asserts that {@code got}, everything the senders sent, kept each sender's order. */
    public static void assertEachSendersOrder(List<Frame> got, int threads, int perThread) {
        int[] nextHeartbeat = new int[threads];
        int outputs = 0;
        for (Frame frame : got) {
            if (frame.hasOutput()) {
                outputs++;
                continue;
            }
            long seq = frame.getHeartbeat().getSequence();
            int thread = (int) (seq >>> 32);
            if (nextHeartbeat[thread] % 10 == 0) {
                nextHeartbeat[thread]++; // that index was an Output frame
            }
            assertEquals(nextHeartbeat[thread], (int) seq, "order of thread " + thread);
            nextHeartbeat[thread]++;
        }
        assertEquals(threads * perThread / 10, outputs);
    }
}
