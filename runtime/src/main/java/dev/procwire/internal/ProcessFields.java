package dev.procwire.internal;

import dev.procwire.ProcwireException;
import dev.procwire.WorkerProcess;
import dev.procwire.codec.ValueCodec;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries an object to another process that rebuilds it: the class is named, the worker builds
 * an instance with its no-argument constructor, and every non-static, non-transient field
 * declared below a stop class ({@code WorkerProcess} for a process subclass, {@code Object} for a
 * {@code Callable} or {@code Runnable} given to a {@code ProcessPoolExecutor}) is carried as
 * plain data. A field that cannot be carried is refused, with its name and type, before anything
 * is sent. Internal.
 */
public final class ProcessFields {
    private ProcessFields() {}

    /**
     * Why another process cannot rebuild an instance of {@code type} by name (an anonymous,
     * local, lambda or inner class, or one without a no-argument constructor), or {@code null}
     * if it can. The answer completes a sentence that begins with the class's name.
     */
    public static String whyNotRebuildable(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic() || type.isHidden()) {
            return "is an anonymous, local or lambda class, which another process cannot load by name; "
                    + "use a top-level or static nested class";
        }
        if (type.isMemberClass() && !Modifier.isStatic(type.getModifiers())) {
            return "is an inner (non-static) class; declare it static so another process can build it";
        }
        try {
            type.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            return "has no no-argument constructor, which another process needs to build it";
        }
        return null;
    }

    /** The carried fields of {@code process}, keyed {@code DeclaringClass#field}. */
    public static Map<String, Object> capture(WorkerProcess process) {
        return capture(process, WorkerProcess.class);
    }

    /**
     * The carried fields of {@code object} declared below {@code stop}, keyed
     * {@code DeclaringClass#field}.
     *
     * @throws ProcwireException naming the first field that cannot be carried
     */
    public static Map<String, Object> capture(Object object, Class<?> stop) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field f : fields(object.getClass(), stop)) {
            Object value;
            try {
                value = f.get(object);
            } catch (IllegalAccessException e) {
                throw new ProcwireException("cannot read field " + describe(f) + ": " + e.getMessage(), e);
            }
            Object carried = toCarried(value);
            String why = ValueCodec.whyNot(carried, 0);
            if (why != null) {
                throw new ProcwireException("field " + describe(f) + " of type " + f.getType().getName()
                        + " cannot be carried to the child process: " + why
                        + "; mark it transient to leave it behind, or set it up in the code that runs there");
            }
            values.put(key(f), carried);
        }
        return values;
    }

    /** Sets the fields of {@code process} from what {@link #capture} made. */
    public static void restore(WorkerProcess process, Map<?, ?> values) {
        restore(process, values, WorkerProcess.class);
    }

    /** Sets the fields of {@code object} declared below {@code stop} from what {@link #capture} made. */
    public static void restore(Object object, Map<?, ?> values, Class<?> stop) {
        for (Field f : fields(object.getClass(), stop)) {
            if (!values.containsKey(key(f))) {
                continue;
            }
            try {
                f.set(object, fromCarried(values.get(key(f)), f.getType()));
            } catch (IllegalAccessException | IllegalArgumentException e) {
                throw new ProcwireException("cannot set field " + describe(f) + " in the child: " + e.getMessage(), e);
            }
        }
    }

    private static List<Field> fields(Class<?> type, Class<?> stop) {
        List<Field> out = new java.util.ArrayList<>();
        for (Class<?> k = type; k != null && k != stop; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()) {
                    continue;
                }
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    private static String key(Field f) {
        return f.getDeclaringClass().getName() + "#" + f.getName();
    }

    private static String describe(Field f) {
        return f.getDeclaringClass().getSimpleName() + "." + f.getName();
    }

    private static Object toCarried(Object value) {
        if (value instanceof Short || value instanceof Byte) {
            return ((Number) value).intValue();
        }
        if (value instanceof Character c) {
            return String.valueOf(c);
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        return value;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object fromCarried(Object value, Class<?> type) {
        if (value == null) {
            return null;
        }
        if (type == short.class || type == Short.class) {
            return ((Number) value).shortValue();
        }
        if (type == byte.class || type == Byte.class) {
            return ((Number) value).byteValue();
        }
        if (type == char.class || type == Character.class) {
            return ((String) value).charAt(0);
        }
        if (type.isEnum()) {
            return Enum.valueOf((Class) type, (String) value);
        }
        if ((List.class.isAssignableFrom(type) || type == Object.class) && value instanceof List<?> list) {
            return new java.util.ArrayList<>(list);
        }
        if ((Map.class.isAssignableFrom(type) || type == Object.class) && value instanceof Map<?, ?> map) {
            return new LinkedHashMap<>(map);
        }
        return value;
    }
}
