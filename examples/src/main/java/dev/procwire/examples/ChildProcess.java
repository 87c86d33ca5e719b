package dev.procwire.examples;

import dev.procwire.Task;
import dev.procwire.WorkerProcess;

/**
 * Seed section "하위 프로세스 활용" (Using a child process).
 *
 * <p>The Python original runs {@code count_prime(10)} in a {@code multiprocessing.Process},
 * waits for it with {@code join()} and prints {@code "child process terminated"}. A Process
 * target's return value is thrown away (a Pool returns results; see the pool examples), and the
 * original prints nothing in the child, so this port prints the count there to show it ran.
 * (The seed's {@code is_prime} tests {@code n % i} where it means {@code x % i}; this port
 * counts correctly: 4 primes up to 10.)
 */
public final class ChildProcess {
    private ChildProcess() {}

    /** {@code count_prime(n)}: runs in the child. A static nested class, so the child can build it. */
    static final class CountPrime implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            int count = 0;
            for (int x = 2; x <= n; x++) {
                if (isPrime(x)) {
                    count++;
                }
            }
            System.out.println("count_prime(" + n + ") = " + count + " in " + WorkerProcess.current());
            return count;
        }

        static boolean isPrime(int x) {
            for (int d = 2; (long) d * d <= x; d++) {
                if (x % d == 0) {
                    return false;
                }
            }
            return x >= 2;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        // proc = multiprocessing.Process(target=count_prime, args=(10,))
        WorkerProcess proc = new WorkerProcess(CountPrime.class, 10).setRuntime(ExampleRuntime.mirrored());
        proc.start(); // a fresh JVM, started with this program's classpath
        proc.join();  // wait until the child has ended
        System.out.println("child process terminated");
    }
}
