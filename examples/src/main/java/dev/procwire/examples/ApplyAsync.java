package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.Task;
import dev.procwire.TaskFuture;
import java.util.ArrayList;
import java.util.List;

/**
 * Seed section "apply_async".
 *
 * <p>The Python original submits four tasks with {@code p.apply_async(func=foo, args=(i,))}; each
 * {@code foo(n)} prints {@code i=0..4} with its pid, sleeping 1 s after each line, and returns
 * {@code n}. Then it waits for each task in submission order and prints {@code result=0..3}, in
 * that order. The four tasks run at the same time in four workers, so the whole takes about 5 s,
 * not 4 x 5 = 20 s (with {@code apply} instead, they would run one after another).
 *
 * <p>{@code applyAsync} returns a {@link TaskFuture} (a {@code CompletableFuture}): Python's
 * {@code task.wait(); task.get()} is {@code get()}. This port also prints the elapsed time.
 * The pool is built with {@code prefetch(1)}: a worker takes a new task only when idle, as a
 * Python pool worker does; with the default (2), a worker that starts first may take two of the
 * four tasks and run them one after the other.
 */
public final class ApplyAsync {
    private ApplyAsync() {}

    /** {@code foo(n)}: runs in a worker. */
    static final class Foo implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) throws InterruptedException {
            for (int i = 0; i < 5; i++) {
                System.out.println("i=" + i + " pid=" + ProcessHandle.current().pid()); // os.getpid()
                Thread.sleep(1000);
            }
            return n;
        }
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        try (ProcessPool p = ProcessPool.builder().processes(4).prefetch(1)
                .runtime(ExampleRuntime.mirrored()).build()) {
            // tasks = [p.apply_async(func=foo, args=(i,)) for i in range(4)]
            List<TaskFuture<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                tasks.add(p.applyAsync(Foo.class, i)); // returns at once
            }
            for (TaskFuture<Integer> task : tasks) {
                System.out.println("result=" + task.get()); // task.wait(); task.get(): in submission order
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("elapsed: " + ms + " ms for 4 tasks of about 5 s each "
                + "(one after another they would take about 20 s)");
    }
}
