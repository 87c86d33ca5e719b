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
 * Carries the fields of a {@link WorkerProcess} subclass to the child that runs its
 * {@code run()}: every non-static, non-transient field declared below {@code WorkerProcess},
 * as plain data. A field that cannot be carried is refused at {@code start()} with its name and
 * type. Internal.
 */
public final class ProcessFields {
    private ProcessFields() {}

    /** The carried fields of {@code process}, keyed {@code DeclaringClass#field}. */
    public static Map<String, Object> capture(WorkerProcess process) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field f : fields(process.getClass())) {
            Object value;
            try {
                value = f.get(process);
            } catch (IllegalAccessException e) {
                throw new ProcwireException("cannot read field " + describe(f) + ": " + e.getMessage(), e);
            }
            Object carried = toCarried(value);
            String why = ValueCodec.whyNot(carried, 0);
            if (why != null) {
                throw new ProcwireException("field " + describe(f) + " of type " + f.getType().getName()
                        + " cannot be carried to the child process: " + why
                        + "; mark it transient to leave it behind, or set it up inside run()");
            }
            values.put(key(f), carried);
        }
        return values;
    }

    /** Sets the fields of {@code process} from what {@link #capture} made. */
    public static void restore(WorkerProcess process, Map<?, ?> values) {
        for (Field f : fields(process.getClass())) {
            if (!values.containsKey(key(f))) {
                continue;
            }
            try {
                f.set(process, fromCarried(values.get(key(f)), f.getType()));
            } catch (IllegalAccessException | IllegalArgumentException e) {
                throw new ProcwireException("cannot set field " + describe(f) + " in the child: " + e.getMessage(), e);
            }
        }
    }

    private static List<Field> fields(Class<?> type) {
        List<Field> out = new java.util.ArrayList<>();
        for (Class<?> k = type; k != null && k != WorkerProcess.class; k = k.getSuperclass()) {
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
