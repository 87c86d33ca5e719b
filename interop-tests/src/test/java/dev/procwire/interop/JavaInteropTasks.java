package dev.procwire.interop;

import dev.procwire.Actor;
import dev.procwire.Actors;
import dev.procwire.FunctionProvider;
import dev.procwire.Functions;
import dev.procwire.Task;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Java twins of the Python worker's test functions (interop-tests/python/tests/worker_tasks.py),
 * under the same names (by a pool initializer, or found as a {@link FunctionProvider}), so that one
 * test body runs against both.
 */
public final class JavaInteropTasks implements Task<Object, Void>, FunctionProvider {
    /** As an initializer: registers the functions and the actor kinds. */
    @Override
    public Void call(Object ignored) {
        functions().forEach(Functions::register);
        Actors.register("recorder", Recorder::new);
        return null;
    }

    /** As a provider (META-INF/services): the functions, found by any Java worker without an initializer. */
    @Override
    public Map<String, Task<?, ?>> functions() {
        Map<String, Task<?, ?>> f = new java.util.LinkedHashMap<>();
        f.put("square", (Task<Long, Long>) x -> x * x);
        f.put("echo", (Task<Object, Object>) x -> x);
        f.put("fail", (Task<String, Void>) message -> {
            try {
                Map.of().get("missing").hashCode();
            } catch (NullPointerException e) {
                throw new IllegalArgumentException(message, e);
            }
            return null;
        });
        f.put("slow", (Task<Number, String>) seconds -> {
            Thread.sleep((long) (seconds.doubleValue() * 1000)); // an interrupt (cancel) ends it early
            return "slept";
        });
        f.put("print_both", (Task<String, Long>) text -> {
            System.out.println(text);
            System.err.println(text.toUpperCase(java.util.Locale.ROOT));
            return (long) text.length();
        });
        f.put("pid", (Task<Object, Long>) x -> ProcessHandle.current().pid());
        f.put("garbage", (Task<Object, Void>) x -> {
            // Past System.out, straight onto file descriptor 1: the protocol stream over pipes.
            try (FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out)) {
                fd1.write("\u00ff\u00ff\u00ff\u00ff garbage".getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        return f;
    }

    /** Keeps every message told or asked, in order; asking "get" returns them. */
    static final class Recorder implements Actor<Object, Object> {
        private final List<Object> seen = new ArrayList<>();

        @Override
        public void init(Object first) {
            if (first != null) {
                seen.add(first);
            }
        }

        @Override
        public Object receive(Object message) {
            if ("get".equals(message)) {
                return new ArrayList<>(seen);
            }
            if ("boom".equals(message)) {
                throw new IllegalStateException("recorder exploded");
            }
            seen.add(message);
            return (long) seen.size();
        }
    }
}
