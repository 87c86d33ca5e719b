package dev.procwire.codec;

/** The content types procwire defines (PROTOCOL.md, "Payloads"). */
public final class ContentTypes {
    /** A {@code procwire.v1.Value}: the language-neutral default. */
    public static final String VALUE = "application/x-procwire-value";
    /** UTF-8 text. */
    public static final String TEXT = "text/plain; charset=utf-8";
    /** Raw bytes. */
    public static final String BYTES = "application/octet-stream";
    /** A protobuf message; parameters {@code type} (full proto name) and {@code java-class}. */
    public static final String PROTOBUF = "application/x-protobuf";

    private ContentTypes() {}

    /** The media type without parameters, lower case: {@code "text/plain"}. */
    public static String base(String contentType) {
        int semi = contentType.indexOf(';');
        if (semi < 0 && (contentType.equals(VALUE) || contentType.equals(BYTES))) {
            return contentType; // the canonical forms, as procwire sends them: once per item of a map
        }
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** The value of parameter {@code name}, or {@code null}. */
    public static String parameter(String contentType, String name) {
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i].trim();
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equalsIgnoreCase(name)) {
                return part.substring(eq + 1).trim();
            }
        }
        return null;
    }
}
