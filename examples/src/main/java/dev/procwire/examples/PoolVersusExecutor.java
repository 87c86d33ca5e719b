package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.ProcessPoolExecutor;
import dev.procwire.Task;
import dev.procwire.TaskFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

/**
 * Seed section "multiprocessing pool VS concurrent.futures" ({@code multiprocessing.Pool} versus
 * {@code concurrent.futures}).
 *
 * <p>The seed has no code here. It says that {@code multiprocessing.Pool} offers many knobs while
 * {@code concurrent.futures} offers a small interface shared by {@code ThreadPoolExecutor} and
 * {@code ProcessPoolExecutor} (same abstract base class), and recommends
 * {@code concurrent.futures} unless you need the pool's extra control. In Python that is
 * {@code with ProcessPoolExecutor(4) as ex: f = ex.submit(fn, x); f.result()}.
 *
 * <p>procwire has both: {@link ProcessPool} is {@code multiprocessing.Pool} (the next examples),
 * and {@link ProcessPoolExecutor} puts the same engine behind Java's {@link ExecutorService}, the
 * interface Java's thread pools implement. A difference from Python: Java cannot send a function
 * or lambda to another process; a task is a {@link Task} class and its argument, or a
 * {@link Callable} of a top-level or static nested class that the worker rebuilds from its
 * fields. Lambdas are refused with an {@code IllegalArgumentException}.
 */
public final class PoolVersusExecutor {
    private PoolVersusExecutor() {}

    /** A task class and its argument: {@code ex.submit(square, n)}. */
    static final class Square implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            return n * n;
        }
    }

    /** A Callable the worker rebuilds: a static nested class with a no-argument constructor; its fields are carried. */
    static final class Multiply implements Callable<Integer> {
        int a;
        int b;

        Multiply() {}

        Multiply(int a, int b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public Integer call() {
            System.out.println(a + " * " + b + " in pid " + ProcessHandle.current().pid());
            return a * b;
        }
    }

    public static void main(String[] args) throws Exception {
        // with ProcessPoolExecutor(max_workers=4) as executor:   (close(): shutdown, then wait)
        try (ProcessPoolExecutor executor = ProcessPoolExecutor.create(
                ProcessPool.builder().processes(4).runtime(ExampleRuntime.mirrored()))) {
            List<TaskFuture<Integer>> futures = new ArrayList<>();
            for (int n = 1; n <= 3; n++) {
                futures.add(executor.submit(Square.class, n)); // executor.submit(square, n)
            }
            for (TaskFuture<Integer> f : futures) {
                System.out.println("result=" + f.get());       // f.result()
            }
            // Any ExecutorService code works with it: here a Callable, as you would give a thread pool.
            ExecutorService service = executor;
            System.out.println("6 * 7 = " + service.submit(new Multiply(6, 7)).get());
        }
    }
}
