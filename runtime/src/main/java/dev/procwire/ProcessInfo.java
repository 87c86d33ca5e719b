package dev.procwire;

/**
 * Who the current process is, as {@code multiprocessing.current_process()} tells it.
 *
 * @param name {@code "MainProcess"} in a program, the worker's name in a worker
 * @param pid this process's id
 * @param parentPid the runtime's process id in a worker, {@code -1} in the main process
 */
public record ProcessInfo(String name, long pid, long parentPid) {

    /** True inside a worker process. */
    public boolean isWorker() {
        return parentPid >= 0;
    }

    @Override
    public String toString() {
        return "<WorkerProcess name='" + name + "' pid=" + pid + (isWorker() ? " parent=" + parentPid : "") + ">";
    }
}
