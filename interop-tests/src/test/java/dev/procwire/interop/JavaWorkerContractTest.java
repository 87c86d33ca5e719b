package dev.procwire.interop;

import dev.procwire.ProcessPool;
import dev.procwire.ProcwireRuntime;
import dev.procwire.WorkerProcess;

/** The worker contract against procwire's Java worker. */
class JavaWorkerContractTest extends WorkerContract {
    @Override
    ProcessPool.Builder workers(ProcwireRuntime runtime) {
        return ProcessPool.builder().runtime(runtime).initializer(JavaInteropTasks.class, null);
    }

    @Override
    String failureType() {
        return IllegalArgumentException.class.getName();
    }

    @Override
    String tracebackMarker() {
        return "dev.procwire.interop.JavaInteropTasks.lambda$";
    }

    @Override
    void configure(WorkerProcess p) {
        // a Java worker by default; the version test needs nothing registered
    }
}
