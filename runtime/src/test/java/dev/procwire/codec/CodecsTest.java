package dev.procwire.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.procwire.proto.v1.Heartbeat;
import dev.procwire.proto.v1.Payload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecsTest {

    private static Object roundTrip(Object value) {
        return Codecs.decode(Codecs.encode(value));
    }

    @Test
    void plainValuesComeBackAsTheSameJavaTypes() {
        for (Object v : List.of(true, 7, 7L, 1.5f, 2.5, "text", List.of(1, "two", List.of(3L)),
                Map.of("k", 1))) {
            assertEquals(v, roundTrip(v));
        }
        assertEquals(Integer.class, roundTrip(7).getClass());
        assertEquals(Long.class, roundTrip(7L).getClass());
        assertNull(roundTrip(null));
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) roundTrip(new byte[] {1, 2, 3}));
    }

    @Test
    void mapsKeepTheirOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", 2);
        assertEquals(List.of("z", "a"), List.copyOf(((Map<?, ?>) roundTrip(m)).keySet()));
    }

    @Test
    void aProtobufMessageTravelsAsItselfWithItsTypeNamed() {
        Heartbeat h = Heartbeat.newBuilder().setSequence(9).build();
        Payload p = Codecs.encode(h);
        assertTrue(p.getContentType().startsWith("application/x-protobuf; type=procwire.v1.Heartbeat"), p.getContentType());
        assertEquals(h, Codecs.decode(p));
        assertEquals(List.of(h), roundTrip(List.of(h)));
    }

    @Test
    void anUnsupportedValueIsRefusedNamingItsTypeAndPlace() {
        CodecException e = assertThrows(CodecException.class, () -> Codecs.encode(Map.of("k", List.of(1, new Object()))));
        assertTrue(e.getMessage().contains("map entry \"k\": element 1: a java.lang.Object is not a supported value type"),
                e.getMessage());
        e = assertThrows(CodecException.class, () -> Codecs.encode(Map.of(1, 2)));
        assertTrue(e.getMessage().contains("map key 1 is a java.lang.Integer, not a String"), e.getMessage());
    }

    @Test
    void anUnknownContentTypeIsRefusedByName() {
        CodecException e = assertThrows(CodecException.class,
                () -> Codecs.decode(Payload.newBuilder().setContentType("application/x-pickle").build()));
        assertTrue(e.getMessage().contains("application/x-pickle"), e.getMessage());
    }

    @Test
    void badValueBytesAreRefused() {
        CodecException e = assertThrows(CodecException.class, () -> Codecs.decode(Payload.newBuilder()
                .setContentType(ContentTypes.VALUE).setData(ByteString.copyFrom(new byte[] {(byte) 0xff})).build()));
        assertTrue(e.getMessage().contains("not a procwire.v1.Value"), e.getMessage());
    }

    @Test
    void aRegisteredCodecIsTriedFirst() {
        PayloadCodec upper = new PayloadCodec() {
            @Override
            public boolean canEncode(Object value) {
                return value instanceof StringBuilder;
            }

            @Override
            public boolean canDecode(String contentType) {
                return contentType.equals("text/x-builder");
            }

            @Override
            public Payload encode(Object value) {
                return Payload.newBuilder().setContentType("text/x-builder").setData(ByteString.copyFromUtf8(value.toString())).build();
            }

            @Override
            public Object decode(Payload payload) {
                return new StringBuilder(payload.getData().toStringUtf8());
            }
        };
        Codecs.register(upper);
        assertEquals("abc", roundTrip(new StringBuilder("abc")).toString());
    }

    @Test
    void contentTypeParametersAreRead() {
        String t = "application/x-protobuf; type=a.B; java-class=x.Y";
        assertEquals("application/x-protobuf", ContentTypes.base(t));
        assertEquals("a.B", ContentTypes.parameter(t, "type"));
        assertEquals("x.Y", ContentTypes.parameter(t, "JAVA-CLASS"));
        assertNull(ContentTypes.parameter(t, "missing"));
    }
}
