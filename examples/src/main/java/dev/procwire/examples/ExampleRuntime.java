package dev.procwire.examples;

import dev.procwire.OutputListener;
import dev.procwire.ProcwireRuntime;

/**
 * The runtime every example uses. It is the default runtime with one change: what a worker
 * prints to {@code System.out} appears on this program's standard output (tagged
 * {@code [name pid]}), the way a Python child's {@code print()} shares the parent's terminal.
 * The default runtime would print those lines to standard error.
 */
final class ExampleRuntime {
    private ExampleRuntime() {}

    private static final class Holder {
        static final ProcwireRuntime RUNTIME =
                ProcwireRuntime.builder().outputListener(OutputListener.mirror()).build();
    }

    /** Created on first use, so a worker that loads an example class does not build one. */
    static ProcwireRuntime mirrored() {
        return Holder.RUNTIME;
    }
}
