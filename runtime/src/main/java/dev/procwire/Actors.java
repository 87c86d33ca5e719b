package dev.procwire;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The kinds of actor this process offers by name: the language-neutral way to create an actor
 * ({@code pool.actorOf("counter", 0)}), as {@link Functions} is for tasks. A Java worker looks a
 * name up here when asked to create an actor of that kind; register in the worker, for instance
 * from a pool's initializer. Names must not be empty or start with {@code "java:"} or
 * {@code "procwire."}, which the protocol reserves. Thread safe.
 */
public final class Actors {
    private static final Map<String, Supplier<? extends Actor<?, ?>>> REGISTRY = new ConcurrentHashMap<>();

    private Actors() {}

    /**
     * Offers actors made by {@code factory} under {@code name}, replacing any kind of that name.
     * The factory is called for each actor created, and again for each restart.
     *
     * @throws IllegalArgumentException if the name is empty or reserved
     */
    public static void register(String name, Supplier<? extends Actor<?, ?>> factory) {
        Objects.requireNonNull(factory, "factory");
        REGISTRY.put(checkName(name), factory);
    }

    /** The factory registered under {@code name}, if any. */
    public static Optional<Supplier<? extends Actor<?, ?>>> lookup(String name) {
        return Optional.ofNullable(REGISTRY.get(name));
    }

    /** Checks an actor kind name, returning it. */
    public static String checkName(String name) {
        return Functions.checkName(name, "actor");
    }
}
