package dev.procwire.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Lists and runs the examples. Each example runs in a fresh JVM with this JVM's classpath, as
 * {@code java -cp <classpath> <main class> [args]} sharing this terminal, so that what happens
 * when its main ends (daemon workers terminated, non-daemon workers waited for) happens for real.
 *
 * <pre>
 *   Examples list               the examples, with their seed sections
 *   Examples tour               all of them in order, each under a heading
 *   Examples NAME [ARGS...]     one of them, e.g. "daemon-process --no-daemon"
 * </pre>
 */
public final class Examples {
    private Examples() {}

    /**
     * One example: its command name, main class, the seed section it ports, what it shows, and
     * the argument lists the tour runs it with (one run without arguments, unless said otherwise).
     */
    public record Example(String name, Class<?> mainClass, String seedSection, String description,
                          List<List<String>> tourRuns) {
        public Example {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mainClass, "mainClass");
            tourRuns = List.copyOf(tourRuns);
        }

        public Example(String name, Class<?> mainClass, String seedSection, String description) {
            this(name, mainClass, seedSection, description, List.of(List.of()));
        }
    }

    /** Every example, in tour order. Add new ones here, in the order of the seed document. */
    public static final List<Example> REGISTRY = List.of(
            new Example("child-process", ChildProcess.class,
                    "하위 프로세스 활용 (Using a child process)",
                    "count_prime(10) in a child process, join(), then \"child process terminated\""),
            new Example("start-methods", StartMethods.class,
                    "fork, process spawn, forkserver (Start methods)",
                    "getContext(\"spawn\" | \"forkserver\" | \"warm\"): who starts the child, and how fast"),
            new Example("daemon-process", DaemonProcess.class,
                    "deamon process (Daemon processes)",
                    "a daemon child is terminated when main ends; --no-daemon: the JVM waits for it",
                    List.of(List.of(), List.of("--no-daemon"))),
            new Example("pids", Pids.class,
                    "pid (Process ids)",
                    "the main process and its child each have their own pid"),
            new Example("naming-processes", NamingProcesses.class,
                    "pid: naming processes",
                    "a child named 'child-process' prints current_process()"),
            new Example("terminate", Terminate.class,
                    "terminate (Terminating a process)",
                    "terminate() ends a working child with SIGTERM: exit code -15"),
            new Example("custom-process", CustomProcessExample.class,
                    "class (Subclassing Process)",
                    "a WorkerProcess subclass overriding run(); run() called directly runs in the parent"),
            new Example("threads-versus-processes", ThreadsVersusProcesses.class,
                    "GIL, GIL effeciency, GIL 작업 (The GIL and working around it)",
                    "count primes on threads and in worker processes; why Java differs from Python"),
            new Example("executor", PoolVersusExecutor.class,
                    "multiprocessing pool VS concurrent.futures (Pool versus ProcessPoolExecutor)",
                    "ProcessPoolExecutor.submit(...).get(): the pool's engine behind Java's ExecutorService"),
            new Example("pool-context-manager", PoolContextManager.class,
                    "context manager (A pool in a with block)",
                    "try-with-resources over ProcessPool(4): map(task, range(10)) prints [0, 1, 4, ..., 81]"),
            new Example("apply", Apply.class,
                    "apply",
                    "apply() hands one task to the pool and blocks until its result: 16 9 4 1"),
            new Example("apply-async", ApplyAsync.class,
                    "apply_async",
                    "4 tasks of 5 s run at once in 4 workers: results in order, about 5 s in all, not 20"),
            new Example("map", MapExample.class,
                    "map",
                    "map(foo, [1, 2, 3]) blocks until all results are in: [1, 4, 9]"),
            new Example("map-async", MapAsync.class,
                    "map_async",
                    "mapAsync(foo, [1, 2, 3]) returns a future at once; get() gives [1, 4, 9]"),
            new Example("imap", IMap.class,
                    "imap",
                    "for item in imap(foo, [1, 2, 3]): results one by one, in order: 1 4 9"),
            new Example("anonymous-pipe", AnonymousPipe.class,
                    "pipe, anonymous pipe, work in pipe (os.pipe())",
                    "a one-way Pipe.open(false): a child sends 3 messages on the write end, the parent reads until closed"),
            new Example("named-pipe", NamedPipeExample.class,
                    "named pipe (os.mkfifo)",
                    "a FIFO at a path: a shell writes, procwire reads; procwire writes, cat reads; then it is removed"));

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "tour" : args[0];
        List<String> rest = args.length == 0 ? List.of() : Arrays.asList(args).subList(1, args.length);
        switch (command) {
            case "list" -> list(System.out);
            case "tour" -> System.exit(tour());
            case "help", "-h", "--help" -> usage(System.out);
            default -> {
                Example e = find(command);
                if (e == null) {
                    System.err.println("no example named '" + command + "'");
                    usage(System.err);
                    System.exit(2);
                }
                System.exit(run(e, rest));
            }
        }
    }

    /** The example called {@code name}, or null. */
    public static Example find(String name) {
        return REGISTRY.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }

    static void usage(PrintStream out) {
        out.println("usage: Examples [list | tour | NAME [ARGS...]]   (default: tour)");
        out.println("  list    the examples, with the seed sections they port");
        out.println("  tour    runs all examples in order, each under a heading");
        out.println("  NAME    runs one example in a fresh JVM, e.g. daemon-process --no-daemon");
        out.println();
        list(out);
    }

    static void list(PrintStream out) {
        int width = REGISTRY.stream().mapToInt(e -> e.name().length()).max().orElse(0);
        for (Example e : REGISTRY) {
            out.println(String.format("%-" + width + "s  %s", e.name(), e.description()));
            out.println(String.format("%-" + width + "s  seed: %s; %s", "", e.seedSection(), e.mainClass().getName()));
        }
    }

    /** Runs every example of the registry; returns 0 if all exited with 0, else 1. */
    static int tour() throws Exception {
        int runs = REGISTRY.stream().mapToInt(e -> e.tourRuns().size()).sum();
        int n = 0;
        int failed = 0;
        for (Example e : REGISTRY) {
            for (List<String> args : e.tourRuns()) {
                n++;
                String shown = args.isEmpty() ? e.name() : e.name() + " " + String.join(" ", args);
                System.out.println();
                System.out.println("==== " + n + "/" + runs + "  " + shown + "  --  seed: " + e.seedSection());
                System.out.println("     " + e.description());
                System.out.println("     (" + e.mainClass().getName() + " in a new JVM)");
                System.out.println();
                int code = run(e, args);
                if (code != 0) {
                    failed++;
                    System.out.println("---- " + shown + " exited with " + code);
                }
            }
        }
        System.out.println();
        System.out.println("==== tour done: " + runs + " runs" + (failed == 0 ? "" : ", " + failed + " failed"));
        return failed == 0 ? 0 : 1;
    }

    /** Runs {@code e}'s main in a fresh JVM with this JVM's classpath and terminal; returns its exit code. */
    static int run(Example e, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(e.mainClass().getName());
        command.addAll(args);
        System.out.flush();
        Process p = new ProcessBuilder(command).inheritIO().start();
        try {
            return p.waitFor();
        } catch (InterruptedException ex) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw ex;
        }
    }
}
