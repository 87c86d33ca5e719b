package dev.procwire;

import java.util.Map;

/**
 * Offers named functions to every worker that has it on its classpath: list the implementing
 * class in {@code META-INF/services/dev.procwire.FunctionProvider}. Implementations need a
 * public no-argument constructor.
 */
public interface FunctionProvider {
    /** The functions, by name. */
    Map<String, Task<?, ?>> functions();
}
