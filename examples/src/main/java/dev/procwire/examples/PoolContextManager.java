package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.Task;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Seed section "context manager" (A pool as a context manager).
 *
 * <p>The Python original opens {@code with Pool(4) as p:} and prints
 * {@code p.map(task, [i for i in range(10)])} with {@code task(n) = n*n}:
 * {@code [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]}. The {@code with} block releases the pool's
 * resources by itself ({@code __exit__}).
 *
 * <p>Java's {@code with} is try-with-resources: {@link ProcessPool} is {@link AutoCloseable}.
 * One difference: Python's {@code Pool.__exit__} calls {@code terminate()}, which stops work
 * still queued; procwire's {@code close()} has the meaning of Python's {@code close()}: no new
 * tasks, queued ones still finish, then the workers exit. Here {@code map} has already returned,
 * so both end the same way.
 */
public final class PoolContextManager {
    private PoolContextManager() {}

    /** {@code task(n)}: runs in a worker. A static nested class, so the worker can build it. */
    static final class Square implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            return n * n;
        }
    }

    public static void main(String[] args) {
        // with Pool(4) as p:
        try (ProcessPool p = ProcessPool.builder().processes(4).runtime(ExampleRuntime.mirrored()).build()) {
            List<Integer> items = IntStream.range(0, 10).boxed().toList(); // [i for i in range(10)]
            System.out.println(p.map(Square.class, items));                // print(p.map(task, ...))
        } // p.close() here, as __exit__ is called at the end of the with block
    }
}
