package dev.procwire.bench;

/**
 * The bench's prime count in a plain JVM of its own, no procwire: the ceiling of the CPU rows.
 * Arguments: part, parts, limit, rounds. Counts its part {@code rounds} times (the JIT warms up
 * in the first ones) and prints the median ms of the last half on stdout.
 */
public final class PlainCount {
    private PlainCount() {}

    public static void main(String[] args) {
        int part = Integer.parseInt(args[0]);
        int parts = Integer.parseInt(args[1]);
        int limit = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        double[] ms = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            PoolBench.count(part, parts, limit);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        double[] late = java.util.Arrays.copyOfRange(ms, rounds / 2, rounds);
        java.util.Arrays.sort(late);
        System.out.println(Bench.median(late));
    }
}
