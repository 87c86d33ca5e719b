package dev.procwire.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Payload;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JavaSerializationCodecTest {
    /** Allowed by the test's list. */
    record Point(int x, int y) implements Serializable {}

    /** Allowed, but holds something that is not serializable. */
    record Holder(Object inside) implements Serializable {}

    @Test
    void anAllowedClassRoundTripsAndOthersAreRefusedBothWays() throws Exception {
        JavaSerializationCodec.enable("dev.procwire.codec.*");
        Payload p = Codecs.encode(new Point(1, 2));
        assertEquals(JavaSerializationCodec.CONTENT_TYPE, p.getContentType());
        assertEquals(new Point(1, 2), Codecs.decode(p));

        CodecException sending = assertThrows(CodecException.class, () -> Codecs.encode(new AtomicInteger(3)));
        assertTrue(sending.getMessage().contains("java.util.concurrent.atomic.AtomicInteger"), sending.getMessage());
        assertTrue(sending.getMessage().contains("Java serialization allow-list"), sending.getMessage());
        // An allowed class whose fields are not serializable is refused when sending, naming why.
        CodecException inner = assertThrows(CodecException.class, () -> Codecs.encode(new Holder(new Object())));
        assertTrue(inner.getMessage().contains("cannot serialize a dev.procwire.codec.JavaSerializationCodecTest$Holder"),
                inner.getMessage());

        // A peer naming a class outside the list is refused before anything of it is built.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new AtomicInteger(7));
        }
        Payload hostile = Payload.newBuilder().setContentType(JavaSerializationCodec.CONTENT_TYPE)
                .setData(ByteString.copyFrom(bytes.toByteArray())).build();
        CodecException reading = assertThrows(CodecException.class, () -> Codecs.decode(hostile));
        assertTrue(reading.getMessage().contains("refused"), reading.getMessage());

        // Plain values keep their language-neutral encoding.
        assertEquals(ContentTypes.VALUE, Codecs.encode("text").getContentType());
    }

    @Test
    void anAllowListMustNameClasses() {
        assertThrows(IllegalArgumentException.class, JavaSerializationCodec::enable);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JavaSerializationCodec.enable("!*"));
        assertTrue(e.getMessage().contains("bad allow-list pattern"), e.getMessage());
    }
}
