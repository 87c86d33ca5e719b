package dev.procwire.transport.uds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The checks that admit a worker on a Unix domain socket: its kernel-given peer credentials
 * (here, at accept) and its one-time token ({@code Hello.auth_token}, checked by whoever
 * processes the {@code Hello}). Stateless; thread safe.
 */
public final class PeerAuthentication {
    private static final SecureRandom RANDOM = new SecureRandom();

    private PeerAuthentication() {}

    /** This process's effective user id (the owner of {@code /proc/self}). */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this process's uid from /proc/self", e);
        }
    }

    /**
     * Why a peer with credentials {@code actual} is not the process expected, or {@code null} if
     * it is: its uid must be {@code expectedUid} and its pid {@code expectedPid}.
     */
    public static String refusal(PeerCredentials actual, long expectedPid, int expectedUid) {
        if (actual.uid() != expectedUid) {
            return "peer " + actual + " runs as uid " + actual.uid() + ", not uid " + expectedUid;
        }
        if (actual.pid() != expectedPid) {
            return "peer " + actual + " is not process " + expectedPid;
        }
        return null;
    }

    /**
     * Whether {@code presented} (a {@code Hello.auth_token}) is the UTF-8 encoding of
     * {@code token}, compared in constant time as PROTOCOL.md §4 asks.
     */
    public static boolean tokenMatches(String token, byte[] presented) {
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), presented);
    }

    /** A fresh one-time token for {@code PROCWIRE_TOKEN}: 128 random bits, URL-safe base64. */
    public static String newToken() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
