package dev.procwire.codec;

import dev.procwire.proto.v1.Payload;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The codecs a process knows, tried in order: those {@link #register registered} first, then the
 * built-ins ({@link ProtobufCodec} for top-level messages, {@link ValueCodec} for plain data).
 * An empty payload is {@code null}. Thread safe.
 */
public final class Codecs {
    private static final List<PayloadCodec> REGISTERED = new CopyOnWriteArrayList<>();
    private static final List<PayloadCodec> BUILT_IN = List.of(ProtobufCodec.INSTANCE, ValueCodec.INSTANCE);

    private Codecs() {}

    /** Adds a codec, tried before the built-ins and before codecs registered earlier. */
    public static void register(PayloadCodec codec) {
        REGISTERED.add(0, Objects.requireNonNull(codec, "codec"));
    }

    /** Encodes {@code value} with the first codec that can; throws naming the value's type if none can. */
    public static Payload encode(Object value) {
        PayloadCodec codec = first(c -> c.canEncode(value));
        if (codec == null) {
            throw new CodecException("cannot send " + ValueCodec.whyNot(value, 0)
                    + "; register a PayloadCodec for it"
                    + (value instanceof java.io.Serializable
                            ? ", or add its class to the Java serialization allow-list (JavaSerializationCodec.enable)" : ""));
        }
        return codec.encode(value);
    }

    /**
     * Whether {@code value} would be encoded by a built-in codec: no registered codec claims it.
     * A compact encoding of built-in values may then stand for their Payloads.
     */
    public static boolean builtInEncodes(Object value) {
        for (PayloadCodec c : REGISTERED) {
            if (c.canEncode(value)) {
                return false;
            }
        }
        return ValueCodec.INSTANCE.canEncode(value);
    }

    /** Why {@code value} cannot be encoded, or {@code null} if some codec can encode it. */
    public static String canEncode(Object value) {
        return first(c -> c.canEncode(value)) != null ? null : ValueCodec.whyNot(value, 0);
    }

    /** Decodes {@code payload} with the first codec for its content type; empty content type is null. */
    public static Object decode(Payload payload) {
        String type = payload.getContentType();
        if (type.isEmpty()) {
            return null;
        }
        PayloadCodec codec = first(c -> c.canDecode(type));
        if (codec == null) {
            throw new CodecException("no codec for content type \"" + type + "\"");
        }
        return codec.decode(payload);
    }

    /** The first codec, registered ones before built-ins, that {@code test} accepts, or null. */
    private static PayloadCodec first(java.util.function.Predicate<PayloadCodec> test) {
        for (PayloadCodec c : REGISTERED) {
            if (test.test(c)) {
                return c;
            }
        }
        for (PayloadCodec c : BUILT_IN) {
            if (test.test(c)) {
                return c;
            }
        }
        return null;
    }
}
