package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.Task;
import java.util.List;

/**
 * Seed section "map".
 *
 * <p>As with {@code ThreadPoolExecutor.map}, {@code Pool.map} applies a function to each element
 * of a list, the elements spread over the pool's workers. The Python original maps
 * {@code foo(n)} (sleep 1 s, return {@code n*n}) over {@code [1, 2, 3]} and prints
 * {@code [1, 4, 9]}: results in the order of the input. Like {@code apply}, {@code map} blocks
 * until every result is ready; {@code map_async} does not (see {@code map-async}).
 */
public final class MapExample {
    private MapExample() {}

    /** {@code foo(n)}: runs in a worker. */
    static final class Foo implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) throws InterruptedException {
            Thread.sleep(1000);
            return n * n;
        }
    }

    public static void main(String[] args) {
        try (ProcessPool p = ProcessPool.builder().processes(4).runtime(ExampleRuntime.mirrored()).build()) {
            List<Integer> results = p.map(Foo.class, List.of(1, 2, 3)); // p.map(foo, [i for i in range(1, 4)])
            System.out.println(results);
        }
    }
}
