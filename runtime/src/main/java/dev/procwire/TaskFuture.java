package dev.procwire;

import dev.procwire.internal.PoolCore;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The future of a task given to a pool: a {@link CompletableFuture} whose {@link #cancel} also
 * reaches the worker. Cancelling a queued task drops it; cancelling a running one with
 * {@code mayInterruptIfRunning} interrupts it in its worker, and a worker that does not stop
 * within the pool's grace period is killed and replaced. Dependent stages run on procwire's
 * callback threads, never on its I/O threads.
 *
 * @param <R> the result type
 */
public final class TaskFuture<R> extends CompletableFuture<R> {
    private final PoolCore core;
    private final List<PoolCore.Job> jobs;

    TaskFuture(PoolCore core, List<PoolCore.Job> jobs) {
        this.core = core;
        this.jobs = jobs;
    }

    /** The pool jobs behind this future: one per message sent. */
    List<PoolCore.Job> jobs() {
        return jobs;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        for (PoolCore.Job job : jobs) {
            core.cancel(job, mayInterruptIfRunning);
        }
        return super.cancel(mayInterruptIfRunning);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
