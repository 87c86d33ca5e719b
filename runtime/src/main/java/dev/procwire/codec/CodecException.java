package dev.procwire.codec;

/** A value could not be encoded, or a payload decoded; the message names what and why. */
public class CodecException extends IllegalArgumentException {
    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
