package dev.procwire.examples;

import dev.procwire.WorkerProcess;

/**
 * Seed section "class" (Subclassing Process).
 *
 * <p>The Python original subclasses {@code multiprocessing.Process} and overrides {@code run()};
 * {@code start()} runs {@code run()} in a new child process, {@code join()} waits for it, and
 * then {@code child.run()} is called once more. The seed says that "restarts the child", but it
 * does not: called directly, {@code run()} is an ordinary method call that runs in the parent,
 * and it prints the parent's pid. (A process cannot be started twice.)
 *
 * <p>In procwire the subclass needs a no-argument constructor and must be top-level or static
 * nested; its fields set before {@code start()} are carried to the child.
 */
public final class CustomProcessExample {
    private CustomProcessExample() {}

    /** {@code class CustomProcess(multiprocessing.Process)}. */
    static final class CustomProcess extends WorkerProcess {
        int sleepMillis = 1000; // carried to the child at start()

        @Override
        public void run() {
            // Not this.pid(): that is the child's pid, also when run() is called in the parent.
            // WorkerProcess.current() is the process this code is running in.
            System.out.println("run() in " + WorkerProcess.current().name() + ", pid: " + WorkerProcess.current().pid());
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("main process pid: " + WorkerProcess.current().pid());
        CustomProcess child = new CustomProcess();
        child.setRuntime(ExampleRuntime.mirrored());
        child.sleepMillis = 500;
        child.start(); // run() in a new JVM
        child.join();
        System.out.println("child " + child.pid() + " ended; now calling run() directly:");
        child.run();   // run() right here, in the main process
    }
}
