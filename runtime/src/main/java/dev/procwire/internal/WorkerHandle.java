package dev.procwire.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A live, ready worker lent out to host something of its own, such as an actor: its name, pid and
 * connection, and its end. {@link #release()} gives it back (once; later calls do nothing).
 * Internal.
 *
 * @param exitCode completes with the worker's exit code ({@link ExitCodes#of}) once its process
 *     has ended and its connection has drained, so the exit notice has been read
 */
public record WorkerHandle(String name, long pid, WorkerConnection connection, CompletableFuture<Integer> exitCode,
                           Runnable onRelease) {

    /** Says that what the worker was lent for has ended. */
    public void release() {
        onRelease.run();
    }

    /** The exit code of {@code worker} once it has ended and its connection has drained. */
    public static CompletableFuture<Integer> exitCodeOf(StartedWorker worker) {
        return worker.process().onExit()
                .thenCompose(p -> worker.connection().closed().copy()
                        .completeOnTimeout(null, 1, java.util.concurrent.TimeUnit.SECONDS))
                .thenApply(t -> ExitCodes.of(worker.process().exitValue(), worker.connection().exitNotice()));
    }
}
