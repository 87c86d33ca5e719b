package dev.procwire.examples;

import dev.procwire.Task;
import dev.procwire.WorkerProcess;

/**
 * Seed section "pid", second part: naming processes.
 *
 * <p>The Python original starts {@code Process(target=foo, name='child-process')}; the child
 * prints {@code current_process()}, which shows that name, followed by "just performed X".
 * Meaningful names make the output of many workers readable: procwire also tags every line a
 * worker prints with its name and pid.
 */
public final class NamingProcesses {
    private NamingProcesses() {}

    /** {@code foo()}: runs in the child. */
    static final class Foo implements Task<Void, Void> {
        @Override
        public Void call(Void ignored) throws InterruptedException {
            System.out.println(WorkerProcess.current() + " just performed X");
            Thread.sleep(2000);
            return null;
        }
    }

    public static void main(String[] args) {
        // multiprocessing.Process(target=foo, name='child-process')
        WorkerProcess process = new WorkerProcess(Foo.class).setName("child-process")
                .setRuntime(ExampleRuntime.mirrored());
        process.start();
    }
}
