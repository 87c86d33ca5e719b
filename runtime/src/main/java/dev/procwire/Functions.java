package dev.procwire;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The functions this process offers by name: the language-neutral way to call work in a worker
 * ({@code pool.apply("square", 4)}), and what workers in other languages offer too.
 *
 * <p>A Java worker finds its functions here: registered by an initializer that ran in it, or by
 * every {@link FunctionProvider} on its classpath (found with {@link ServiceLoader} the first
 * time a name is missing). Names are free text but must not start with {@code "java:"} or
 * {@code "procwire."}, which the protocol reserves. Thread safe.
 */
public final class Functions {
    private static final Map<String, Task<?, ?>> REGISTRY = new ConcurrentHashMap<>();
    private static volatile boolean providersLoaded;

    private Functions() {}

    /**
     * Offers {@code task} under {@code name}, replacing any function of that name.
     *
     * @throws IllegalArgumentException if the name is empty or reserved
     */
    public static void register(String name, Task<?, ?> task) {
        Objects.requireNonNull(task, "task");
        REGISTRY.put(checkName(name), task);
    }

    /** The function of that name, loading the providers once if it is not registered. */
    public static Optional<Task<?, ?>> lookup(String name) {
        Task<?, ?> task = REGISTRY.get(name);
        if (task == null && !providersLoaded) {
            loadProviders();
            task = REGISTRY.get(name);
        }
        return Optional.ofNullable(task);
    }

    /** Checks a function name, returning it. */
    public static String checkName(String name) {
        return checkName(name, "function");
    }

    /** Checks the name of a {@code what} (a function, an actor kind) offered by name, returning it. */
    static String checkName(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " names must not be empty");
        }
        if (name.startsWith("java:") || name.startsWith("procwire.")) {
            throw new IllegalArgumentException(what + " name \"" + name
                    + "\" is reserved: names starting with \"java:\" or \"procwire.\" belong to the protocol");
        }
        return name;
    }

    private static synchronized void loadProviders() {
        if (providersLoaded) {
            return;
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (FunctionProvider provider : ServiceLoader.load(FunctionProvider.class, loader)) {
            provider.functions().forEach(Functions::register);
        }
        providersLoaded = true;
    }
}
