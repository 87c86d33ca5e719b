package dev.procwire;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/** This JVM's classpath, also when the test runner hides it in a manifest-only jar. */
public final class TestClasspath {
    private TestClasspath() {}

    public static List<String> entries() throws IOException {
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith(".jar") && entry.contains("surefire")) {
                try (JarFile jar = new JarFile(entry)) {
                    String cp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String url : cp.trim().split("\\s+")) {
                            out.add(Path.of(URI.create(url)).toString());
                        }
                        continue;
                    }
                }
            }
            out.add(entry);
        }
        return out;
    }

    /** The classpath without the entries containing {@code fragment}. */
    public static String without(String fragment) throws IOException {
        return String.join(File.pathSeparator, entries().stream().filter(e -> !e.contains(fragment)).toList());
    }

    /** The full classpath as a plain list. */
    public static String full() throws IOException {
        return String.join(File.pathSeparator, entries());
    }
}
