package dev.procwire.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.procwire.proto.v1.ListValue;
import dev.procwire.proto.v1.MapEntry;
import dev.procwire.proto.v1.MapValue;
import dev.procwire.proto.v1.Payload;
import dev.procwire.proto.v1.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default codec: plain Java data as a language-neutral {@link Value}. It carries
 * {@code null}, {@link Boolean}, {@link Integer}, {@link Long}, {@link Float}, {@link Double},
 * {@link String}, {@code byte[]}, {@link List}s and {@link Map}s with string keys of these, each
 * decoded to the same Java type. Protobuf messages nested inside are carried as a tagged map
 * ({@code {"@protobuf": javaClass, "@bytes": data}}) that Java peers turn back into the message.
 */
public final class ValueCodec implements PayloadCodec {
    public static final ValueCodec INSTANCE = new ValueCodec();
    static final String PROTOBUF_TAG = "@protobuf";
    static final String BYTES_TAG = "@bytes";

    @Override
    public boolean canEncode(Object value) {
        return whyNot(value, 0) == null;
    }

    @Override
    public boolean canDecode(String contentType) {
        return ContentTypes.base(contentType).equals(ContentTypes.VALUE);
    }

    @Override
    public Payload encode(Object value) {
        return Payload.newBuilder().setContentType(ContentTypes.VALUE).setData(toValue(value).toByteString()).build();
    }

    @Override
    public Object decode(Payload payload) {
        try {
            return fromValue(Value.parseFrom(payload.getData()));
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("payload of type " + ContentTypes.VALUE + " is not a procwire.v1.Value: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Why {@code value} cannot be carried, or {@code null} if it can. The answer names the
     * offending element's type and where it sits.
     */
    public static String whyNot(Object value, int depth) {
        if (depth > 64) {
            return "nested deeper than 64 levels (a cycle?)";
        }
        if (value == null || value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Float || value instanceof Double || value instanceof String
                || value instanceof byte[] || value instanceof Message) {
            return null;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                String why = whyNot(list.get(i), depth + 1);
                if (why != null) {
                    return "element " + i + ": " + why;
                }
            }
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    return "map key " + e.getKey() + " is a " + typeName(e.getKey()) + ", not a String";
                }
                String why = whyNot(e.getValue(), depth + 1);
                if (why != null) {
                    return "map entry \"" + e.getKey() + "\": " + why;
                }
            }
            return null;
        }
        return "a " + typeName(value) + " is not a supported value type (null, Boolean, Integer, Long, Float, "
                + "Double, String, byte[], List, Map<String, ?> or a protobuf message)";
    }

    private static String typeName(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }

    /** {@code value} as a {@link Value}; throws {@link CodecException} naming what cannot be. */
    public static Value toValue(Object value) {
        Value.Builder b = Value.newBuilder();
        if (value == null) {
            return b.build();
        } else if (value instanceof Boolean v) {
            b.setBoolValue(v);
        } else if (value instanceof Integer v) {
            b.setInt32Value(v);
        } else if (value instanceof Long v) {
            b.setInt64Value(v);
        } else if (value instanceof Float v) {
            b.setFloatValue(v);
        } else if (value instanceof Double v) {
            b.setDoubleValue(v);
        } else if (value instanceof String v) {
            b.setStringValue(v);
        } else if (value instanceof byte[] v) {
            b.setBytesValue(ByteString.copyFrom(v));
        } else if (value instanceof Message m) {
            b.setMapValue(MapValue.newBuilder()
                    .addEntries(entry(PROTOBUF_TAG, Value.newBuilder().setStringValue(m.getClass().getName()).build()))
                    .addEntries(entry(BYTES_TAG, Value.newBuilder().setBytesValue(m.toByteString()).build())));
        } else if (value instanceof List<?> list) {
            ListValue.Builder lb = ListValue.newBuilder();
            for (Object o : list) {
                lb.addValues(toValue(o));
            }
            b.setListValue(lb);
        } else if (value instanceof Map<?, ?> map) {
            MapValue.Builder mb = MapValue.newBuilder();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new CodecException(whyNot(value, 0));
                }
                mb.addEntries(entry(key, toValue(e.getValue())));
            }
            b.setMapValue(mb);
        } else {
            throw new CodecException(whyNot(value, 0));
        }
        return b.build();
    }

    private static MapEntry entry(String key, Value value) {
        return MapEntry.newBuilder().setKey(key).setValue(value).build();
    }

    /** The Java value of {@code value}: lists and maps come back unmodifiable. */
    public static Object fromValue(Value value) {
        return switch (value.getKindCase()) {
            case KIND_NOT_SET -> null;
            case BOOL_VALUE -> value.getBoolValue();
            case INT32_VALUE -> value.getInt32Value();
            case INT64_VALUE -> value.getInt64Value();
            case FLOAT_VALUE -> value.getFloatValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case STRING_VALUE -> value.getStringValue();
            case BYTES_VALUE -> value.getBytesValue().toByteArray();
            case LIST_VALUE -> {
                List<Object> list = new ArrayList<>(value.getListValue().getValuesCount());
                for (Value v : value.getListValue().getValuesList()) {
                    list.add(fromValue(v));
                }
                yield Collections.unmodifiableList(list);
            }
            case MAP_VALUE -> fromMap(value.getMapValue());
        };
    }

    private static Object fromMap(MapValue map) {
        if (map.getEntriesCount() == 2 && map.getEntries(0).getKey().equals(PROTOBUF_TAG)
                && map.getEntries(1).getKey().equals(BYTES_TAG)) {
            return ProtobufCodec.parse(map.getEntries(0).getValue().getStringValue(),
                    map.getEntries(1).getValue().getBytesValue());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (MapEntry e : map.getEntriesList()) {
            out.put(e.getKey(), fromValue(e.getValue()));
        }
        return Collections.unmodifiableMap(out);
    }
}
