package dev.procwire;

import java.io.PrintStream;

/**
 * Receives the lines workers print. Called from procwire's I/O threads: it must be thread safe
 * and must not block for long.
 */
@FunctionalInterface
public interface OutputListener {
    void onLine(OutputLine line);

    /** Prints every line, tagged with worker name and pid, to this process's standard error. */
    static OutputListener toStderr() {
        return line -> printTo(System.err, line);
    }

    /** Prints each line, tagged, to the stream of this process that matches the worker's stream. */
    static OutputListener mirror() {
        return line -> printTo(line.stream() == OutputLine.Stream.STDOUT ? System.out : System.err, line);
    }

    /** Drops every line. */
    static OutputListener discard() {
        return line -> { };
    }

    private static void printTo(PrintStream out, OutputLine line) {
        out.println(line);
    }
}
