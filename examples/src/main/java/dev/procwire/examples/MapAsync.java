package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.Task;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Seed section "map_async".
 *
 * <p>The same as {@code map}, except that the call returns at once and the results come later.
 * The Python original calls {@code p.map_async(foo, [1, 2, 3]).get()} and prints
 * {@code [1, 4, 9]}. Python returns an {@code AsyncResult}; procwire returns a
 * {@link CompletableFuture} of the list, whose {@code get()} waits for it (and which can also be
 * composed with {@code thenApply}, {@code thenAccept} and the like).
 */
public final class MapAsync {
    private MapAsync() {}

    /** {@code foo(n)}: runs in a worker. */
    static final class Foo implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) throws InterruptedException {
            Thread.sleep(1000);
            return n * n;
        }
    }

    public static void main(String[] args) throws Exception {
        try (ProcessPool p = ProcessPool.builder().processes(4).runtime(ExampleRuntime.mirrored()).build()) {
            CompletableFuture<List<Integer>> pending = p.mapAsync(Foo.class, List.of(1, 2, 3)); // returns at once
            List<Integer> results = pending.get(); // p.map_async(foo, ...).get()
            System.out.println(results);
        }
    }
}
