package dev.procwire;

import java.util.List;

/** Tasks for pool tests. */
final class PoolFixtures {
    private PoolFixtures() {}

    static final class Square implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            return n * n;
        }
    }

    /** Fails on 13. */
    static final class Unlucky implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            if (n == 13) {
                throw new IllegalArgumentException("13 is unlucky");
            }
            return n;
        }
    }

    /** Returns the pid of the worker that ran it. */
    static final class Pid implements Task<Integer, Long> {
        @Override
        public Long call(Integer ignored) {
            return ProcessHandle.current().pid();
        }
    }

    /** Sleeps the given milliseconds, returns them. */
    static final class Nap implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer millis) throws InterruptedException {
            Thread.sleep(millis);
            return millis;
        }
    }

    /** Kills its own worker with SIGKILL when given a negative number. */
    static final class SelfKill implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) throws Exception {
            if (n < 0) {
                new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
                Thread.sleep(10_000);
            }
            return n;
        }
    }

    /** Ends its own worker at once (Runtime.halt: no shutdown hooks) when given a negative number. */
    static final class Halt implements Task<Integer, Integer> {
        @Override
        public Integer call(Integer n) {
            if (n < 0) {
                Runtime.getRuntime().halt(-n);
            }
            return n;
        }
    }

    /** Adds its two arguments (for starmap). */
    static final class Add implements Task<List<Object>, Integer> {
        @Override
        public Integer call(List<Object> args) {
            return (Integer) args.get(0) + (Integer) args.get(1);
        }
    }

    /** Registers "double" in the worker: an initializer. */
    static final class RegisterDouble implements Task<Integer, Void> {
        @Override
        public Void call(Integer factor) {
            Functions.register("double", (Task<Integer, Integer>) n -> n * factor);
            return null;
        }
    }

    /** A value only Java serialization carries. */
    record Point(int x, int y) implements java.io.Serializable {}

    /** Moves a point: its argument and result travel by Java serialization. */
    static final class MovePoint implements Task<Point, Point> {
        @Override
        public Point call(Point p) {
            return new Point(p.x() + 1, p.y() + 1);
        }
    }
}
