package dev.procwire.internal;

import dev.procwire.ProcessInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this process is: set once by the worker bootstrap, the main process otherwise. Internal. */
public final class CurrentProcess {
    private static volatile ProcessInfo current = new ProcessInfo("MainProcess", pid(), -1);

    private CurrentProcess() {}

    public static ProcessInfo get() {
        return current;
    }

    static void set(ProcessInfo info) {
        current = info;
    }

    /**
     * This process's pid: on Linux the target of {@code /proc/self}, which a starting worker reads
     * in well under a millisecond, where {@link ProcessHandle} first initializes its process
     * reaper (a few milliseconds); elsewhere {@link ProcessHandle}'s.
     */
    static long pid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }
}
