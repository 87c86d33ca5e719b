package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdsArchiveTest {
    @TempDir
    Path cache;

    private final Instant now = Instant.parse("2026-11-25T12:00:00Z");

    private Path archive(String name, Duration age) throws IOException {
        Path file = Files.write(cache.resolve(name), new byte[] {1});
        Files.setLastModifiedTime(file, FileTime.from(now.minus(age)));
        return file;
    }

    private long count() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.count();
        }
    }

    @Test
    void pruningKeepsOnlyTheMostRecentlyUsedArchives() throws IOException {
        for (int i = 0; i < CdsArchive.KEEP + 5; i++) {
            archive("a" + i + ".jsa", Duration.ofMinutes(i));
        }
        CdsArchive.prune(cache, now);
        assertEquals(CdsArchive.KEEP, count());
        assertTrue(Files.exists(cache.resolve("a0.jsa")), "the newest stays");
        assertFalse(Files.exists(cache.resolve("a" + (CdsArchive.KEEP + 4) + ".jsa")), "the oldest goes");
    }

    @Test
    void pruningRemovesArchivesUnusedForTooLongAndOldTempFiles() throws IOException {
        archive("fresh.jsa", Duration.ofDays(1));
        archive("stale.jsa", CdsArchive.MAX_IDLE.plusDays(1));
        archive("dump.jsa.1.2.tmp", Duration.ofDays(2));
        archive("dumping.jsa.3.4.tmp", Duration.ofMinutes(1));
        archive("unrelated.txt", Duration.ofDays(400));
        CdsArchive.prune(cache, now);
        assertTrue(Files.exists(cache.resolve("fresh.jsa")));
        assertFalse(Files.exists(cache.resolve("stale.jsa")));
        assertFalse(Files.exists(cache.resolve("dump.jsa.1.2.tmp")), "left by a killed dump");
        assertTrue(Files.exists(cache.resolve("dumping.jsa.3.4.tmp")), "a dump may be in progress");
        assertTrue(Files.exists(cache.resolve("unrelated.txt")), "not ours to remove");
    }

    @Test
    void usingAnArchiveMarksItRecentAtMostOnceADay() throws IOException {
        Path old = archive("old.jsa", Duration.ofDays(3));
        Path recent = archive("recent.jsa", Duration.ofHours(2));
        CdsArchive.markUsed(old, now);
        CdsArchive.markUsed(recent, now);
        assertEquals(now, Files.getLastModifiedTime(old).toInstant());
        assertEquals(now.minus(Duration.ofHours(2)), Files.getLastModifiedTime(recent).toInstant());
    }
}
