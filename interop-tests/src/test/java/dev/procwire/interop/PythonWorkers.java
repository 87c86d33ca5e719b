package dev.procwire.interop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to start procwire's Python worker from Java: the command and environment for
 * {@code python3 -m procwire_worker --module worker_tasks} from interop-tests/python, with the
 * protobuf code the build generated. For the Java-side interop tests; the transport variables
 * (PROCWIRE_TRANSPORT, ...) are the caller's to add.
 */
final class PythonWorkers {
    private PythonWorkers() {}

    static Path pythonDir() {
        return Path.of(System.getProperty("procwire.python.dir", "python")).toAbsolutePath();
    }

    static Path generatedProtos() {
        return Path.of(System.getProperty("procwire.python.proto", "target/python-proto")).toAbsolutePath();
    }

    /** The command line: an interpreter with google.protobuf, the worker, the test module. */
    static List<String> command(String... modules) throws InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(PythonWorkerTest.python(), "-m", "procwire_worker"));
        for (String module : modules.length == 0 ? new String[] {"worker_tasks"} : modules) {
            command.add("--module");
            command.add(module);
        }
        return command;
    }

    /** The environment a runtime adds for a worker with this id and token. */
    static Map<String, String> environment(String workerId, String token, int maxFrameBytes) {
        Map<String, String> env = new java.util.HashMap<>(moduleEnvironment());
        env.putAll(Map.of(
                "PROCWIRE_WORKER_ID", workerId,
                "PROCWIRE_TOKEN", token,
                "PROCWIRE_MAX_FRAME", Integer.toString(maxFrameBytes)));
        return env;
    }

    /** What the worker needs to find its package, the test module and the generated protobuf code. */
    static Map<String, String> moduleEnvironment() {
        return Map.of(
                "PYTHONPATH", pythonDir() + ":" + pythonDir().resolve("tests"),
                "PYTHONDONTWRITEBYTECODE", "1",
                "PROCWIRE_PYTHON_PROTO", generatedProtos().toString());
    }
}
