package dev.procwire.internal;

import dev.procwire.ProcessInfo;

/** Who this process is: set once by the worker bootstrap, the main process otherwise. Internal. */
public final class CurrentProcess {
    private static volatile ProcessInfo current =
            new ProcessInfo("MainProcess", ProcessHandle.current().pid(), -1);

    private CurrentProcess() {}

    public static ProcessInfo get() {
        return current;
    }

    static void set(ProcessInfo info) {
        current = info;
    }
}
