package dev.procwire.internal;

import dev.procwire.codec.Codecs;
import dev.procwire.proto.v1.Column;
import dev.procwire.proto.v1.DoubleColumn;
import dev.procwire.proto.v1.Int32Column;
import dev.procwire.proto.v1.Int64Column;
import dev.procwire.proto.v1.StringColumn;
import java.util.List;

/**
 * The compact form of a batch's arguments or results (capability {@value #CAPABILITY},
 * PROTOCOL.md §5.2): values all of one kind — Integer, Long, Double or String — as one packed
 * {@link Column}, where each would otherwise be a Payload with its content type and a Value
 * message. Values that another codec would encode (a registered codec comes first) are not
 * columned, so a column means exactly what the Payloads would. Stateless. Internal.
 */
public final class BatchColumns {
    /** The capability a worker offers when it reads and writes columns. */
    public static final String CAPABILITY = "batch-columns";

    private BatchColumns() {}

    /** {@code values} as one column, or null if they are not all non-null values of one column kind. */
    public static Column encode(List<?> values) {
        if (values.isEmpty()) {
            return null;
        }
        Object first = values.get(0);
        Class<?> kind = first == null ? null : first.getClass();
        if (kind != Integer.class && kind != Long.class && kind != Double.class && kind != String.class) {
            return null;
        }
        for (Object v : values) {
            if (v == null || v.getClass() != kind) {
                return null;
            }
        }
        if (!Codecs.builtInEncodes(first)) {
            return null;
        }
        Column.Builder column = Column.newBuilder();
        if (kind == Integer.class) {
            Int32Column.Builder c = Int32Column.newBuilder();
            for (Object v : values) {
                c.addValues((Integer) v);
            }
            column.setInt32S(c);
        } else if (kind == Long.class) {
            Int64Column.Builder c = Int64Column.newBuilder();
            for (Object v : values) {
                c.addValues((Long) v);
            }
            column.setInt64S(c);
        } else if (kind == Double.class) {
            DoubleColumn.Builder c = DoubleColumn.newBuilder();
            for (Object v : values) {
                c.addValues((Double) v);
            }
            column.setDoubles(c);
        } else {
            StringColumn.Builder c = StringColumn.newBuilder();
            for (Object v : values) {
                c.addValues((String) v);
            }
            column.setStrings(c);
        }
        return column.build();
    }

    /**
     * The elements of {@code column}, boxed as the Value codec decodes them (each as it is read:
     * a view of the column, not a copy), read-only; empty if it has no kind.
     */
    public static List<?> decode(Column column) {
        switch (column.getKindCase()) {
            case INT32S:
                return column.getInt32S().getValuesList();
            case INT64S:
                return column.getInt64S().getValuesList();
            case DOUBLES:
                return column.getDoubles().getValuesList();
            case STRINGS:
                return column.getStrings().getValuesList();
            default:
                return List.of();
        }
    }

    /** How many elements {@code column} has. */
    public static int size(Column column) {
        switch (column.getKindCase()) {
            case INT32S:
                return column.getInt32S().getValuesCount();
            case INT64S:
                return column.getInt64S().getValuesCount();
            case DOUBLES:
                return column.getDoubles().getValuesCount();
            case STRINGS:
                return column.getStrings().getValuesCount();
            default:
                return 0;
        }
    }
}
