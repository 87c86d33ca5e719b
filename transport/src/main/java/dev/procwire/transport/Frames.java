package dev.procwire.transport;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;

/** What every transport does with frames, in one place: checks on decoded frames, and encoding with the length prefix. */
public final class Frames {
    private Frames() {}

    /**
     * The code of the ProtocolError a peer is told before a connection that ended this way is
     * closed, or {@code null} if it is told nothing (it closed, died, or this side closed).
     */
    public static ErrorCode protocolErrorCode(Termination.Kind kind) {
        return switch (kind) {
            case FRAME_TOO_LARGE -> ErrorCode.FRAME_TOO_LARGE;
            case PROTOCOL_ERROR -> ErrorCode.PROTOCOL_VIOLATION;
            default -> null;
        };
    }

    /**
     * Why {@code frame} is malformed, or {@code null} if it is not. A frame with no body set is
     * malformed unless it carries unknown fields: then it is a newer peer's frame, which
     * PROTOCOL.md says to ignore, not to refuse.
     */
    public static String malformed(Frame frame) {
        if (frame.getBodyCase() == Frame.BodyCase.BODY_NOT_SET && frame.getUnknownFields().asMap().isEmpty()) {
            return "malformed frame: no body set";
        }
        return null;
    }

    /**
     * {@code message} with its varint length prefix, in one array: what
     * {@code writeDelimitedTo} writes, ready for a single write call.
     */
    public static byte[] delimited(com.google.protobuf.MessageLite message) {
        int size = message.getSerializedSize(); // memoized by generated messages: callers may have asked already
        byte[] bytes = new byte[com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(size) + size];
        com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(bytes);
        try {
            coded.writeUInt32NoTag(size);
            message.writeTo(coded);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("writing to an array of the message's own size failed", e);
        }
        coded.checkNoSpaceLeft();
        return bytes;
    }
}
