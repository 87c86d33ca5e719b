package dev.procwire.codec;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Payload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * Java serialization for values no built-in codec carries — off unless turned on, and then only
 * for the classes an allow-list names. Deserializing whatever classes a peer names is a known way
 * to run an attacker's code; so every read goes through an {@link ObjectInputFilter} that admits
 * the allow-listed patterns and refuses everything else ({@code !*}), with limits on depth,
 * references and bytes.
 *
 * <p>Turn it on with {@link #enable(String...)} in the parent: the runtime then starts its Java
 * workers with the same allow-list ({@value #PROPERTY}), so both sides read and write the same
 * classes. Patterns are {@link ObjectInputFilter.Config#createFilter} patterns, such as
 * {@code "com.example.model.*"} or {@code "java.time.*"}. Content type
 * {@value #CONTENT_TYPE}. Thread safe.
 */
public final class JavaSerializationCodec implements PayloadCodec {
    /** The content type of a serialized Java object. */
    public static final String CONTENT_TYPE = "application/x-java-serialized-object";
    /** The system property carrying the allow-list to workers: patterns joined by ';'. */
    public static final String PROPERTY = "procwire.javaSerialization.allow";

    private static final String LIMITS = "maxdepth=64;maxrefs=1000000;maxbytes=268435456";
    private static volatile JavaSerializationCodec enabled;

    private final List<String> allowed;
    private final ObjectInputFilter filter;

    private JavaSerializationCodec(List<String> allowed) {
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("Java serialization needs an allow-list of class patterns");
        }
        for (String p : allowed) {
            if (p.isBlank() || p.contains(";") || p.startsWith("!") || p.contains("=")) {
                throw new IllegalArgumentException("bad allow-list pattern \"" + p
                        + "\": give class or package patterns such as com.example.* (no ';', '!' or limits)");
            }
        }
        this.allowed = List.copyOf(allowed);
        this.filter = ObjectInputFilter.Config.createFilter(LIMITS + ";" + String.join(";", allowed) + ";!*");
    }

    /**
     * Turns Java serialization on in this process for the classes matching {@code patterns},
     * and in the workers its runtimes start from now on. Calling it again replaces the list.
     */
    public static synchronized JavaSerializationCodec enable(String... patterns) {
        JavaSerializationCodec codec = new JavaSerializationCodec(List.of(patterns));
        if (enabled == null) {
            Codecs.register(new Delegate());
        }
        enabled = codec;
        System.setProperty(PROPERTY, String.join(";", codec.allowed));
        return codec;
    }

    /** Turns it on from {@value #PROPERTY} if that is set (as it is in workers); otherwise nothing. */
    public static void enableFromProperty() {
        String list = System.getProperty(PROPERTY);
        if (list != null && !list.isBlank()) {
            enable(list.split(";"));
        }
    }

    /** The allow-list in force, or an empty list when Java serialization is off. */
    public static List<String> allowList() {
        JavaSerializationCodec c = enabled;
        return c == null ? List.of() : c.allowed;
    }

    /** Only values of an allowed class, which no built-in codec carries: the rest keep their errors. */
    @Override
    public boolean canEncode(Object value) {
        return value instanceof Serializable && ValueCodec.whyNot(value, 0) != null && allows(value.getClass());
    }

    private boolean allows(Class<?> type) {
        ObjectInputFilter.Status status = filter.checkInput(new ObjectInputFilter.FilterInfo() {
            @Override
            public Class<?> serialClass() {
                return type;
            }

            @Override
            public long arrayLength() {
                return -1;
            }

            @Override
            public long depth() {
                return 1;
            }

            @Override
            public long references() {
                return 0;
            }

            @Override
            public long streamBytes() {
                return 0;
            }
        });
        return status == ObjectInputFilter.Status.ALLOWED;
    }

    @Override
    public boolean canDecode(String contentType) {
        return ContentTypes.base(contentType).equals(CONTENT_TYPE);
    }

    @Override
    public Payload encode(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new CodecException("cannot serialize a " + value.getClass().getName() + ": " + e, e);
        }
        // Refuse here what the other side's filter would refuse there: the error is clearer.
        try {
            read(bytes.toByteArray());
        } catch (CodecException e) {
            throw new CodecException("cannot send a " + value.getClass().getName() + ": " + e.getMessage(), e);
        }
        return Payload.newBuilder().setContentType(CONTENT_TYPE).setData(ByteString.copyFrom(bytes.toByteArray())).build();
    }

    @Override
    public Object decode(Payload payload) {
        return read(payload.getData().toByteArray());
    }

    private Object read(byte[] data) {
        try (ObjectInputStream in = new ContextLoaderInputStream(new ByteArrayInputStream(data))) {
            in.setObjectInputFilter(filter);
            return in.readObject();
        } catch (InvalidClassException e) {
            throw new CodecException("Java serialization refused a class that the allow-list " + allowed
                    + " does not admit (" + e.getMessage() + ")", e);
        } catch (IOException | ClassNotFoundException e) {
            throw new CodecException("cannot deserialize: " + e, e);
        }
    }

    /**
     * Resolves classes through the thread's context class loader: in a worker, the application's
     * classes live in a loader of their own, which this codec's loader cannot see.
     */
    private static final class ContextLoaderInputStream extends ObjectInputStream {
        ContextLoaderInputStream(java.io.InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader != null) {
                try {
                    return Class.forName(desc.getName(), false, loader);
                } catch (ClassNotFoundException e) {
                    // fall back to the default: primitives and the platform's classes
                }
            }
            return super.resolveClass(desc);
        }
    }

    /** The registered codec: forwards to whichever list is in force. */
    private static final class Delegate implements PayloadCodec {
        @Override
        public boolean canEncode(Object value) {
            return Objects.requireNonNull(enabled).canEncode(value);
        }

        @Override
        public boolean canDecode(String contentType) {
            return enabled.canDecode(contentType);
        }

        @Override
        public Payload encode(Object value) {
            return enabled.encode(value);
        }

        @Override
        public Object decode(Payload payload) {
            return enabled.decode(payload);
        }
    }
}
