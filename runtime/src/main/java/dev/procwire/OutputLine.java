package dev.procwire;

/**
 * One line a worker wrote to its standard output or error, tagged with the worker it came from.
 *
 * @param workerName the worker's name
 * @param pid the worker's process id
 * @param stream which stream it wrote to
 * @param text the line, without its line break
 */
public record OutputLine(String workerName, long pid, Stream stream, String text) {

    /** The stream a line was written to. */
    public enum Stream { STDOUT, STDERR }

    /** The line as the default listener prints it: {@code [name pid] text}. */
    @Override
    public String toString() {
        return "[" + workerName + " " + pid + "] " + text;
    }
}
