package dev.procwire.transport;

import dev.procwire.proto.v1.Frame;

/** Checks every transport applies to a decoded frame, in one place. */
public final class Frames {
    private Frames() {}

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
