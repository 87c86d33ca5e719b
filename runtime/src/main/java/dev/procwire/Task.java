package dev.procwire;

/**
 * Work that runs in another process: a class with a no-argument constructor whose {@link #call}
 * takes one argument and returns one result, both carried between processes by a
 * {@link dev.procwire.codec.PayloadCodec}.
 *
 * <p>The class is named, not sent: the worker loads it by name from the same classpath and
 * builds a fresh instance with its no-argument constructor (which may be private). So it must be
 * a top-level or static nested class; lambdas, anonymous and inner classes cannot be rebuilt in
 * another process and are refused when the task is given.
 *
 * @param <A> the argument type
 * @param <R> the result type ({@link Void} for none)
 */
@FunctionalInterface
public interface Task<A, R> {
    /** Runs in the worker process. An exception thrown here reaches the caller as data. */
    R call(A argument) throws Exception;
}
