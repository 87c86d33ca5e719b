package dev.procwire.examples;

import dev.procwire.Task;
import dev.procwire.WorkerProcess;

/**
 * Seed section "deamon process" (Daemon processes).
 *
 * <p>The Python original starts a child with {@code daemon = True} that prints, sleeps 2 s and
 * prints again; the main program prints one line and ends. A daemon process is terminated when
 * its parent ends, so the child's lines after the sleep never appear. With {@code daemon = False}
 * the parent waits for the child, and they appear 2 s later.
 *
 * <p>Here the same: main returns, the JVM exits, and procwire's shutdown hook terminates daemon
 * workers. Run with {@code --no-daemon} to see the non-daemon behaviour: the JVM stays alive
 * until the worker ends.
 */
public final class DaemonProcess {
    private DaemonProcess() {}

    /** {@code daemon_process()}: runs in the child. */
    static final class Daemon implements Task<Void, Void> {
        @Override
        public Void call(Void ignored) throws InterruptedException {
            System.out.println("starting my daemon process");
            Thread.sleep(2000);
            System.out.println("daemon process terminating");
            // The seed labels this "main process", but in the child current_process() is the child.
            System.out.println("current process: " + WorkerProcess.current());
            return null;
        }
    }

    public static void main(String[] args) {
        boolean daemon = !(args.length > 0 && args[0].equals("--no-daemon"));
        WorkerProcess proc = new WorkerProcess(Daemon.class).setRuntime(ExampleRuntime.mirrored());
        proc.setDaemon(daemon); // proc.daemon = True
        proc.start();
        System.out.println("we can carry on as per usual and our daemon will continue to execute");
        System.out.println("main returns (daemon=" + daemon + "): "
                + (daemon ? "the daemon is terminated now, its last lines never appear"
                          : "the JVM waits for the worker, its last lines appear about 2 s from now"));
        // main ends here. daemon=true: the JVM exits and terminates the worker.
        // daemon=false: a non-daemon worker keeps the JVM alive until it has ended.
    }
}
