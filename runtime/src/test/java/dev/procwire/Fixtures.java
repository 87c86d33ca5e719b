package dev.procwire;

import java.util.List;

/** Task and process classes the tests run in real child processes. */
final class Fixtures {
    private Fixtures() {}

    /** Prints its argument and returns. */
    static final class Hello implements Task<String, Void> {
        @Override
        public Void call(String who) {
            System.out.println("hello " + who + " from " + WorkerProcess.current());
            return null;
        }
    }

    /** Counts primes up to n, as the seed's count_prime does. */
    static final class CountPrimes implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            int count = 0;
            for (int x = 2; x <= n; x++) {
                boolean prime = true;
                for (int d = 2; (long) d * d <= x; d++) {
                    if (x % d == 0) {
                        prime = false;
                        break;
                    }
                }
                if (prime) {
                    count++;
                }
            }
            System.out.println("primes up to " + n + ": " + count);
            return count;
        }
    }

    /** Throws. */
    static final class Fails implements Task<String, Void> {
        @Override
        public Void call(String message) {
            throw new IllegalStateException(message);
        }
    }

    /** Exits with the given status. */
    static final class Exits implements Task<Integer, Void> {
        @Override
        public Void call(Integer status) {
            System.exit(status);
            return null;
        }
    }

    /** Sleeps for the given milliseconds, printing a line before and after. */
    static final class Sleeps implements Task<Integer, Void> {
        @Override
        public Void call(Integer millis) throws InterruptedException {
            System.out.println("sleeping " + millis);
            Thread.sleep(millis);
            System.out.println("slept " + millis);
            return null;
        }
    }

    /** Spins the CPU forever. */
    static final class Spins implements Task<Void, Void> {
        @Override
        public Void call(Void ignored) {
            long x = 0;
            while (true) {
                x += System.nanoTime() % 7;
                if (x == -1) {
                    return null;
                }
            }
        }
    }

    /** Writes bytes that look like frames, and garbage, to System.out. */
    static final class PrintsGarbage implements Task<Void, Void> {
        @Override
        public Void call(Void ignored) {
            System.out.write(new byte[] {4, 0x5a, 2, 8, 1}, 0, 5); // a whole heartbeat frame
            System.out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, 0, 5); // a 4 GiB prefix
            System.out.write(0);
            System.out.println();
            System.out.println("still fine");
            System.err.println("on stderr too");
            return null;
        }
    }

    /** A process subclass overriding run(), with fields carried to the child. */
    static final class CustomProcess extends WorkerProcess {
        int count = 3;
        String label = "default";
        List<String> items = List.of();
        transient Thread notCarried;

        @Override
        public void run() {
            System.out.println("run in " + pid() + " as " + getName() + ": count=" + count + " label=" + label
                    + " items=" + items + " notCarried=" + notCarried);
        }
    }

    /** A subclass with a field that cannot be carried. */
    static final class UncarriableProcess extends WorkerProcess {
        Object lock = new Object();

        @Override
        public void run() {
        }
    }

    /** A task whose constructor throws. */
    static final class BrokenConstructor implements Task<Void, Void> {
        BrokenConstructor() {
            throw new UnsupportedOperationException("cannot build me");
        }

        @Override
        public Void call(Void ignored) {
            return null;
        }
    }
}
