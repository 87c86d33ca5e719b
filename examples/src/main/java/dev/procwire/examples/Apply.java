package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.Task;

/**
 * Seed section "apply".
 *
 * <p>{@code apply} hands one task to the pool, like {@code ThreadPoolExecutor.submit()}, but
 * waits for its result. The Python original prints {@code p.apply(task, (4,))}, then for 3, 2
 * and 1: 16, 9, 4, 1. Each call blocks until its result is ready, so the four tasks run one after
 * another: {@code apply} is not the way to run work in parallel (see {@code apply-async}).
 *
 * <p>In procwire the argument is given as itself, not as a tuple of arguments.
 */
public final class Apply {
    private Apply() {}

    /** {@code task(n)}: runs in a worker. */
    static final class Square implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            return n * n;
        }
    }

    public static void main(String[] args) {
        try (ProcessPool p = ProcessPool.builder().processes(4).runtime(ExampleRuntime.mirrored()).build()) {
            System.out.println(p.apply(Square.class, 4)); // print(p.apply(task, (4,))) -- blocks until 16 is back
            System.out.println(p.apply(Square.class, 3));
            System.out.println(p.apply(Square.class, 2));
            System.out.println(p.apply(Square.class, 1));
        }
    }
}
