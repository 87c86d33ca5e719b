package dev.procwire.examples;

import dev.procwire.Connection;
import dev.procwire.ConnectionClosedException;
import dev.procwire.Pipe;
import dev.procwire.Task;
import dev.procwire.WorkerProcess;

/**
 * Seed sections "pipe", "anonymous pipe" and "work in pipe" (Python's {@code os.pipe()}).
 *
 * <p>A pipe carries information from one process to another; there are anonymous pipes and
 * named pipes (see {@link NamedPipeExample}). An anonymous pipe is one-way, like a walkie-talkie:
 * one side talks at a time, so two-way talk takes two anonymous pipes. {@code Pipe.open(false)}
 * is that one-way pipe: its second end only sends, its first end only receives.
 * ({@code Pipe.open(true)}, or {@code Pipe.open()}, gives a duplex pipe whose ends both send and
 * receive.) The pipe exists only as long as the processes that hold its ends.
 *
 * <p>Here the parent hands the write end to a child {@link WorkerProcess} with
 * {@code addConnection}; the child sends three messages and ends. The parent receives them until
 * {@link ConnectionClosedException} says the child's end is gone.
 */
public final class AnonymousPipe {
    private AnonymousPipe() {}

    /** The writer: runs in the child, sending over the end it was handed as "out". */
    static final class Writer implements Task<Integer, Void> {
        @Override
        public Void call(Integer count) throws Exception {
            Connection out = Connection.inherited("out");
            long pid = WorkerProcess.current().pid();
            for (int i = 1; i <= count; i++) {
                out.send("message " + i + " from pid " + pid);
            }
            out.close();
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        // r, w = os.pipe(): one direction only, from the second end to the first
        Pipe.Ends pipe = Pipe.open(false);
        Connection in = pipe.first();
        System.out.println("parent pid: " + WorkerProcess.current().pid());
        WorkerProcess child = new WorkerProcess(Writer.class, 3)
                .setRuntime(ExampleRuntime.mirrored())
                .addConnection("out", pipe.second()); // the write end is the child's from start()
        child.start();
        try {
            while (true) {
                System.out.println("parent read: " + in.receive());
            }
        } catch (ConnectionClosedException e) {
            System.out.println("the write end is closed: the child is done");
        } finally {
            in.close();
        }
        child.join();
        System.out.println("child exit code: " + child.exitCode());
    }
}
