package dev.procwire.interop;

import dev.procwire.ProcessPool;
import dev.procwire.ProcwireRuntime;
import dev.procwire.WorkerProcess;
import java.util.Map;

/** The worker contract against procwire's Python worker (interop-tests/python). */
class PythonWorkerContractTest extends WorkerContract {
    @Override
    ProcessPool.Builder workers(ProcwireRuntime runtime) {
        ProcessPool.Builder b = ProcessPool.builder().runtime(runtime).command(command());
        environment().forEach(b::putEnvironment);
        return b;
    }

    @Override
    String failureType() {
        return "ValueError";
    }

    @Override
    String tracebackMarker() {
        return "Traceback (most recent call last)";
    }

    @Override
    void configure(WorkerProcess p) {
        p.setCommand(command());
        environment().forEach(p::putEnvironment);
    }

    private static java.util.List<String> command() {
        try {
            return PythonWorkers.command();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> environment() {
        return PythonWorkers.moduleEnvironment();
    }
}
