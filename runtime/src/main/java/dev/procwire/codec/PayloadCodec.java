package dev.procwire.codec;

import dev.procwire.proto.v1.Payload;

/**
 * Turns values of some Java types into {@link Payload}s and back: how task arguments, results and
 * messages cross a process boundary.
 *
 * <p>Implementations must be thread safe and stateless. {@link #decode} must accept every payload
 * {@link #encode} produces, also in another process of the same classpath.
 */
public interface PayloadCodec {

    /** True if this codec can encode {@code value} ({@code null} included, if it can). */
    boolean canEncode(Object value);

    /** True if this codec reads payloads of this content type (parameters included). */
    boolean canDecode(String contentType);

    /** Encodes {@code value}; throws {@link CodecException} naming what cannot be encoded. */
    Payload encode(Object value);

    /** Decodes {@code payload}; throws {@link CodecException} naming what is wrong with it. */
    Object decode(Payload payload);
}
