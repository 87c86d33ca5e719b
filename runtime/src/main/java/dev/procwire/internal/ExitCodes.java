package dev.procwire.internal;

import dev.procwire.proto.v1.ExitNotice;

/**
 * Python's exit codes from what Java reports. Java gives {@code 128 + n} for a process killed
 * by signal {@code n}, the same number as a deliberate {@code exit(128 + n)}; a worker's
 * {@link ExitNotice} tells the two apart. Internal.
 */
public final class ExitCodes {
    private ExitCodes() {}

    /**
     * The exit code as Python's {@code Process.exitcode} gives it: the exit status, or minus the
     * signal number for a death by signal.
     *
     * @param status what {@link Process#exitValue()} returned
     * @param notice the worker's last word, or {@code null} if it sent none
     */
    public static int of(int status, ExitNotice notice) {
        if (notice != null) {
            return notice.getSignal() != 0 ? -notice.getSignal() : status;
        }
        // No notice: a worker that exits by itself always sends one, so this was a signal.
        return status > 128 && status < 128 + 65 ? -(status - 128) : status;
    }

    /** "exit code 1", "killed by SIGKILL (exit code -9)". */
    public static String describe(int exitCode) {
        if (exitCode >= 0) {
            return "exit code " + exitCode;
        }
        return "killed by " + signalName(-exitCode) + " (exit code " + exitCode + ")";
    }

    public static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }
}
