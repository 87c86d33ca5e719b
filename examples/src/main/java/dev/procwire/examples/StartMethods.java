package dev.procwire.examples;

import dev.procwire.ProcwireRuntime;
import dev.procwire.Task;
import dev.procwire.WorkerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Seed sections "fork", "process spawn" and "forkserver" (start methods).
 *
 * <p>The seed describes, without code, Python's three ways to start a child: {@code fork} (a copy
 * of the parent), {@code spawn} (a fresh interpreter that inherits only what it needs) and
 * {@code forkserver} (a server, started once, takes every request for a new process and makes
 * it). Python chooses one with {@code multiprocessing.get_context(name)}; procwire with
 * {@code ProcwireRuntime.getContext(name)}. Here the same child is started three times with
 * each method and says which process started it:
 * <ul>
 *   <li>{@code spawn}: a fresh JVM started by this program, tens of milliseconds each time;
 *   <li>{@code forkserver}: the first start also starts the server (a JVM of its own, shared by
 *       this user's programs); later ones get a worker the server holds ready, in a millisecond
 *       or two, and the child's parent is the server, not this program;
 *   <li>{@code fork} has no JVM counterpart (a JVM cannot fork itself safely); {@code warm} is
 *       procwire's nearest: workers this program started ahead, handed out on demand.
 * </ul>
 * It waits half a second between starts so that the server and the warm pool have a worker
 * ready again.
 */
public final class StartMethods {
    private StartMethods() {}

    /** The child: its pid and its parent's. */
    static final class WhoAmI implements Task<Void, List<Long>> {
        @Override
        public List<Long> call(Void ignored) {
            ProcessHandle me = ProcessHandle.current();
            return List.of(me.pid(), me.parent().map(ProcessHandle::pid).orElse(-1L));
        }
    }

    public static void main(String[] args) throws InterruptedException {
        long self = ProcessHandle.current().pid();
        System.out.println("this program has pid " + self);
        for (String method : List.of("spawn", "forkserver", "warm")) {
            ProcwireRuntime context = ProcwireRuntime.getContext(method); // multiprocessing.get_context(method)
            for (int i = 1; i <= 3; i++) {
                WorkerProcess child = context.process(WhoAmI.class, null);
                long t0 = System.nanoTime();
                child.start();
                double ms = (System.nanoTime() - t0) / 1e6;
                child.join();
                @SuppressWarnings("unchecked")
                List<Long> who = (List<Long>) child.result();
                System.out.printf("%-10s start %d took %6.1f ms: child pid %d, started by %s%n", method, i, ms,
                        who.get(0), starter(who.get(1), self));
                Thread.sleep(500);
            }
        }
    }

    private static String starter(long parent, long self) {
        if (parent == self) {
            return "this program";
        }
        return (commandLine(parent).contains("ForkServerMain") ? "the fork server, pid " : "pid ") + parent;
    }

    /** A process's command line, as Linux keeps it (empty if it cannot be read). */
    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
