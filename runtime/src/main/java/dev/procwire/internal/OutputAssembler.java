package dev.procwire.internal;

import dev.procwire.OutputLine;
import dev.procwire.OutputListener;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Joins the chunks one worker wrote to one stream and hands complete lines to a listener.
 * Not thread safe: one per stream, fed from one thread.
 */
public final class OutputAssembler {
    private static final int MAX_LINE = 1 << 20;
    private final String workerName;
    private final long pid;
    private final OutputLine.Stream stream;
    private final OutputListener listener;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    public OutputAssembler(String workerName, long pid, OutputLine.Stream stream, OutputListener listener) {
        this.workerName = workerName;
        this.pid = pid;
        this.stream = stream;
        this.listener = listener;
    }

    /** Adds a chunk; emits each line it completes. */
    public void add(byte[] data, int offset, int length) {
        int start = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (data[i] == '\n') {
                partial.write(data, start, i - start);
                emit();
                start = i + 1;
            }
        }
        partial.write(data, start, end - start);
        if (partial.size() > MAX_LINE) {
            emit(); // a line without end: hand it on in pieces rather than hold it all
        }
    }

    /** Emits what is left as a last line, if anything is. */
    public void finish() {
        if (partial.size() > 0) {
            emit();
        }
    }

    private void emit() {
        byte[] bytes = partial.toByteArray();
        partial.reset();
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        try {
            listener.onLine(new OutputLine(workerName, pid, stream, new String(bytes, 0, n, StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            System.err.println("procwire: output listener failed: " + e);
        }
    }
}
