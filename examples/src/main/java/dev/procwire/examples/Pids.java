package dev.procwire.examples;

import dev.procwire.Task;
import dev.procwire.WorkerProcess;

/**
 * Seed section "pid" (Process ids).
 *
 * <p>The Python original prints the main process's pid, starts a child that prints its own pid,
 * sleeps 2 s and says it is terminating. Every child process has its own pid, which helps in logs
 * and when debugging. main does not join: a non-daemon child keeps the program alive until it
 * ends, in Python and here.
 */
public final class Pids {
    private Pids() {}

    /** {@code child_process()}: runs in the child. */
    static final class Child implements Task<Void, Void> {
        @Override
        public Void call(Void ignored) throws InterruptedException {
            System.out.println("child process with pid: " + WorkerProcess.current().pid());
            Thread.sleep(2000);
            System.out.println("child process terminating");
            return null;
        }
    }

    public static void main(String[] args) {
        // multiprocessing.current_process().pid
        System.out.println("main process with pid: " + WorkerProcess.current().pid());
        WorkerProcess process = new WorkerProcess(Child.class).setRuntime(ExampleRuntime.mirrored());
        process.start();
        // Not in the seed: the parent knows the child's pid too (Python's process.pid).
        System.out.println("main process started a child with pid: " + process.pid());
    }
}
