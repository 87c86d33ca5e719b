package dev.procwire.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplicationClassLoaderTest {
    @TempDir
    Path dir;

    @Test
    void aJarsUrlIsTheSameAsThePathsOwn() throws Exception {
        Path jar = Files.createFile(dir.resolve("lib-1.0.jar"));
        assertEquals(jar.toUri().toURL(), ApplicationClassLoader.url(jar.toString()));
    }

    @Test
    void aFoldersUrlEndsWithASlashWhetherOrNotTheEntryDoes() throws Exception {
        Path classes = Files.createDirectory(dir.resolve("classes"));
        assertEquals(classes.toUri().toURL(), ApplicationClassLoader.url(classes.toString()));
        assertEquals(classes.toUri().toURL(), ApplicationClassLoader.url(classes + "/"));
    }

    @Test
    void pathsWithSpecialCharactersAreEncoded() throws Exception {
        Path odd = Files.createDirectory(dir.resolve("with space#and%sign"));
        assertEquals(odd.toUri().toURL(), ApplicationClassLoader.url(odd.toString()));
        assertTrue(ApplicationClassLoader.url(odd.toString()).toString().contains("with%20space%23and%25sign"));
    }

    @Test
    void relativeEntriesAreResolvedAgainstTheWorkingFolder() throws Exception {
        assertEquals(Path.of("some.jar").toUri().toURL(), ApplicationClassLoader.url("some.jar"));
        assertEquals(Path.of("a/../b.jar").toUri().toURL(), ApplicationClassLoader.url("a/../b.jar"));
    }

    @Test
    void anEntryThatIsNoPathIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ApplicationClassLoader.url("bad\0entry"));
        assertTrue(e.getMessage().contains("bad entry") && e.getMessage().contains(Protocol.ENV_CLASSPATH), e.getMessage());
    }
}
