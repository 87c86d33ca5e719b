package dev.procwire.transport;

import dev.procwire.proto.v1.ErrorCode;
import dev.procwire.proto.v1.Frame;

/** Checks every transport applies to a decoded frame, in one place. */
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
}
