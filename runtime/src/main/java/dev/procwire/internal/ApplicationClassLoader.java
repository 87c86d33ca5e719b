package dev.procwire.internal;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The class loader of a Java worker's application classes: a loader over the runtime's full
 * classpath ({@code PROCWIRE_CLASSPATH}), while the worker's JVM was started with only procwire
 * and protobuf on its classpath. Why: classpath-wide scans at start-up (java.util.logging's,
 * which protobuf triggers) open every jar, 30-60 ms with a few dozen; the application's jars are
 * now opened only when a class is needed from them. Internal.
 */
final class ApplicationClassLoader {
    private ApplicationClassLoader() {}

    /**
     * Makes a loader over {@code classpath} the calling thread's context class loader, which
     * threads made from then on inherit and through which targets are loaded. Without a
     * classpath (null or empty), the thread keeps its loader: the worker has the full classpath.
     *
     * @throws IllegalArgumentException naming an entry that is no path
     */
    static void install(String classpath) {
        if (classpath == null || classpath.isEmpty()) {
            return;
        }
        String[] entries = classpath.split(File.pathSeparator);
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) {
            urls[i] = url(entries[i].isEmpty() ? "." : entries[i]);
        }
        Thread.currentThread().setContextClassLoader(
                new URLClassLoader("procwire-app", urls, ClassLoader.getSystemClassLoader()));
    }

    /**
     * The URL of a classpath entry: a folder's ends with '/', a jar's does not. Plain absolute
     * paths (most of them) are made directly, a few microseconds each in a fresh JVM; others go
     * through {@link Path#toUri()}, which encodes them, at ~0.2 ms each.
     */
    static URL url(String entry) {
        try {
            if (plain(entry)) {
                boolean folder = !(entry.endsWith(".jar") || entry.endsWith(".zip")) && new File(entry).isDirectory();
                return new URL("file", "", -1, folder && !entry.endsWith("/") ? entry + "/" : entry);
            }
            return Path.of(entry).toUri().toURL();
        } catch (MalformedURLException | InvalidPathException e) {
            throw new IllegalArgumentException("bad entry \"" + entry + "\" in " + Protocol.ENV_CLASSPATH + ": "
                    + e.getMessage(), e);
        }
    }

    /** An absolute path of characters a URL's path carries as they are. */
    private static boolean plain(String path) {
        if (!path.startsWith("/") || path.contains("/./") || path.contains("/../")) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '/' || c == '.' || c == '-' || c == '_' || c == '+' || c == '~' || c == ',' || c == '=';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
