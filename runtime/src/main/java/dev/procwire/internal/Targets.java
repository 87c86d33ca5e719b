package dev.procwire.internal;

import dev.procwire.Functions;
import dev.procwire.Task;
import dev.procwire.WorkerProcess;
import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Payload;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a function name means in a Java worker: a registered function, a {@link Task} class
 * ({@code java:}), a {@link WorkerProcess} subclass whose {@code run()} to call, or a
 * {@link Callable} or {@link Runnable} class rebuilt from its carried fields. Resolved
 * once per name and kept. Internal.
 */
final class Targets {
    /** One resolved target: decodes the argument, runs, returns the plain Java result. */
    @FunctionalInterface
    interface Invoker {
        /** Calls the target with an argument already decoded. */
        Object apply(Object argument) throws Exception;

        /** Decodes {@code argument} and calls the target with it. */
        default Object call(Payload argument) throws Exception {
            return apply(Codecs.decode(argument));
        }
    }

    /** The target could not be found or built; {@link #code} says which. */
    static final class TargetUnavailable extends Exception {
        final ErrorCode code;

        TargetUnavailable(String message, Throwable cause) {
            super(message, cause);
            this.code = ErrorCode.NOT_FOUND;
        }
    }

    private final String workerId;
    private final Map<String, Invoker> resolved = new ConcurrentHashMap<>();

    Targets(String workerId) {
        this.workerId = workerId;
    }

    Invoker resolve(String function) throws TargetUnavailable {
        Invoker invoker = resolved.get(function);
        if (invoker == null) {
            invoker = find(function);
            resolved.put(function, invoker);
        }
        return invoker;
    }

    private Invoker find(String function) throws TargetUnavailable {
        if (!function.startsWith(Protocol.JAVA_PREFIX)) {
            Task<?, ?> task = Functions.lookup(function).orElseThrow(() -> new TargetUnavailable(
                    "no function named \"" + function + "\" is registered in worker " + workerId, null));
            @SuppressWarnings("unchecked")
            Task<Object, Object> t = (Task<Object, Object>) task;
            return t::call;
        }
        String className = function.substring(Protocol.JAVA_PREFIX.length());
        Class<?> type;
        try {
            type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new TargetUnavailable("target class " + className + " could not be loaded in worker " + workerId
                    + ": " + e, e);
        }
        Constructor<?> constructor = constructor(type);
        if (Task.class.isAssignableFrom(type)) {
            build(constructor); // fail now, not per call, if it cannot be built
            return argument -> {
                @SuppressWarnings("unchecked")
                Task<Object, Object> task = (Task<Object, Object>) build(constructor);
                return task.call(argument);
            };
        }
        if (WorkerProcess.class.isAssignableFrom(type)) {
            return fields -> {
                WorkerProcess process = (WorkerProcess) build(constructor);
                ProcessFields.restore(process, fields instanceof Map<?, ?> m ? m : Map.of());
                bindToThisProcess(process);
                process.run();
                return null;
            };
        }
        if (Callable.class.isAssignableFrom(type) || Runnable.class.isAssignableFrom(type)) {
            // Given to a ProcessPoolExecutor: rebuilt from its carried fields, then called.
            return fields -> {
                Object task = build(constructor);
                ProcessFields.restore(task, fields instanceof Map<?, ?> m ? m : Map.of(), Object.class);
                if (task instanceof Callable<?> callable) {
                    return callable.call();
                }
                ((Runnable) task).run();
                return null;
            };
        }
        throw new TargetUnavailable(className + " is none of " + Task.class.getName() + ", "
                + WorkerProcess.class.getName() + ", " + Callable.class.getName() + " or " + Runnable.class.getName(),
                null);
    }

    private static Constructor<?> constructor(Class<?> type) throws TargetUnavailable {
        try {
            Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor;
        } catch (NoSuchMethodException e) {
            throw new TargetUnavailable("target class " + type.getName() + " has no no-argument constructor", e);
        } catch (RuntimeException e) {
            throw new TargetUnavailable("target class " + type.getName() + " could not be built: " + e, e);
        }
    }

    private static Object build(Constructor<?> constructor) throws TargetUnavailable {
        try {
            return constructor.newInstance();
        } catch (InvocationTargetException e) {
            throw new TargetUnavailable("the constructor of target class " + constructor.getDeclaringClass().getName()
                    + " threw " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new TargetUnavailable("target class " + constructor.getDeclaringClass().getName()
                    + " could not be built: " + e, e);
        }
    }

    /** In the child, a WorkerProcess answers name and pid for itself, as Python's does. */
    private static void bindToThisProcess(WorkerProcess process) throws ReflectiveOperationException {
        Field name = WorkerProcess.class.getDeclaredField("name");
        name.setAccessible(true);
        name.set(process, CurrentProcess.get().name());
        Field inChild = WorkerProcess.class.getDeclaredField("runningInChild");
        inChild.setAccessible(true);
        inChild.setBoolean(process, true);
    }
}
