package dev.procwire.examples;

import dev.procwire.ProcessPool;
import dev.procwire.Task;
import java.util.Iterator;
import java.util.List;

/**
 * Seed section "imap".
 *
 * <p>{@code imap} is {@code map} returning an iterator: results are taken one by one as they are
 * consumed. The Python original loops {@code for item in p.imap(foo, [1, 2, 3]): print(item)}
 * with {@code foo(n)} sleeping 1 s and returning {@code n*n}: it prints 1, 4 and 9, in the order
 * of the input ({@code imap_unordered} would give them as they finish).
 *
 * <p>procwire's {@code imap} returns an {@link Iterator}, not an {@code Iterable}, so Java's
 * for-each needs a small adapter (or use {@code hasNext()}/{@code next()}, or {@code stream()}).
 * It must be consumed before the pool is closed: it sends its input to the workers lazily.
 */
public final class IMap {
    private IMap() {}

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
            Iterator<Integer> results = p.imap(Foo.class, List.of(1, 2, 3));
            for (Integer item : (Iterable<Integer>) () -> results) { // for item in p.imap(foo, [1, 2, 3]):
                System.out.println(item);                             //     print(item)
            }
        }
    }
}
