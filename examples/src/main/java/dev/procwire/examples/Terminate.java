package dev.procwire.examples;

import dev.procwire.Task;
import dev.procwire.WorkerProcess;

/**
 * Seed section "terminate" (Terminating a process).
 *
 * <p>The Python original starts a child that prints its pid and then works 10 times 1 s; the
 * parent terminates it right away with {@code terminate()} (SIGTERM), so the loop never
 * finishes. Long-running servers must end the processes they no longer need.
 *
 * <p>Two small changes: the parent lets the child work 1.5 s first, so one sees it running (the
 * original often ends it before it printed anything), and it joins after {@code terminate()},
 * so "successfully terminated" is true when printed and the exit code is known: -15, minus
 * the signal number, as Python's {@code exitcode}.
 */
public final class Terminate {
    private Terminate() {}

    /** {@code foo()}: runs in the child. */
    static final class Foo implements Task<Void, Void> {
        @Override
        public Void call(Void ignored) throws InterruptedException {
            System.out.println("child process pid: " + WorkerProcess.current().pid());
            for (int i = 0; i < 10; i++) {
                System.out.println("child working ... ");
                Thread.sleep(1000);
            }
            // Never reached when terminated. (The seed labels this "main process pid"; it is the child's.)
            System.out.println("child process done, pid: " + WorkerProcess.current().pid());
            return null;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        WorkerProcess process = new WorkerProcess(Foo.class).setRuntime(ExampleRuntime.mirrored());
        process.start();
        Thread.sleep(1500); // not in the seed: let it work a little
        System.out.println("terminating child process");
        process.terminate(); // SIGTERM
        process.join();
        System.out.println("child process successfully terminated");
        System.out.println("exit code: " + process.exitCode());
    }
}
