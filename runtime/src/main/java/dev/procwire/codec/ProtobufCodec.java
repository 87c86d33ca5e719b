package dev.procwire.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.procwire.proto.v1.Payload;

/**
 * A protobuf message as itself: content type
 * {@code application/x-protobuf; type=<full proto name>; java-class=<class>}. Peers in other
 * languages read {@code type}; Java peers load {@code java-class} to parse it.
 */
public final class ProtobufCodec implements PayloadCodec {
    public static final ProtobufCodec INSTANCE = new ProtobufCodec();

    @Override
    public boolean canEncode(Object value) {
        return value instanceof Message;
    }

    @Override
    public boolean canDecode(String contentType) {
        return ContentTypes.base(contentType).equals(ContentTypes.PROTOBUF);
    }

    @Override
    public Payload encode(Object value) {
        Message m = (Message) value;
        return Payload.newBuilder()
                .setContentType(ContentTypes.PROTOBUF + "; type=" + m.getDescriptorForType().getFullName()
                        + "; java-class=" + m.getClass().getName())
                .setData(m.toByteString())
                .build();
    }

    @Override
    public Object decode(Payload payload) {
        String javaClass = ContentTypes.parameter(payload.getContentType(), "java-class");
        if (javaClass == null) {
            throw new CodecException("protobuf payload \"" + payload.getContentType()
                    + "\" names no java-class, so this Java process cannot tell which message it is");
        }
        return parse(javaClass, payload.getData());
    }

    /** Parses {@code data} as the message class named {@code javaClass}. */
    static Message parse(String javaClass, ByteString data) {
        try {
            Class<?> type = Class.forName(javaClass, true, Thread.currentThread().getContextClassLoader());
            Message prototype = (Message) type.getMethod("getDefaultInstance").invoke(null);
            return prototype.getParserForType().parseFrom(data);
        } catch (ClassNotFoundException e) {
            throw new CodecException("protobuf message class " + javaClass + " is not on this process's classpath", e);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new CodecException(javaClass + " is not a generated protobuf message class", e);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new CodecException("bad " + javaClass + " payload: " + e.getMessage(), e);
        }
    }
}
