package dev.procwire.transport.fifo;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Puts an open file descriptor, such as a FIFO end, into non-blocking mode ({@code O_NONBLOCK}).
 *
 * <p>Java 17 has no public way to do this for a descriptor it did not make non-blocking itself:
 * {@code FileInputStream} and {@code FileChannel} open FIFOs blocking, Netty's
 * {@code FileDescriptor} has no {@code setNonBlocking}, and junixsocket's public
 * {@code FileDescriptorCast} only casts a FIFO to stream and file types. junixsocket's native
 * library has the {@code fcntl} call ({@code NativeUnixSocket.configureBlocking}, what
 * {@code AFPipe} uses), package-private; it is reached here by reflection, which works while
 * junixsocket is on the class path (an unnamed module). No JNI code of procwire's own.
 * The flag is checked in {@code /proc/self/fdinfo} afterwards, so a junixsocket upgrade that
 * breaks this fails loudly, naming the descriptor, instead of blocking an event loop.
 *
 * <p>{@code O_NONBLOCK} belongs to the open file description, not to the descriptor number:
 * it holds for every duplicate of {@code fd} in this process, and for no other open of the FIFO.
 */
final class NonBlocking {

    private NonBlocking() {}

    private static final class Holder {
        static final Method CONFIGURE_BLOCKING = find();

        private static Method find() {
            try {
                Class<?> nativeUnixSocket = Class.forName("org.newsclub.net.unix.NativeUnixSocket", true,
                        NonBlocking.class.getClassLoader());
                Method m = nativeUnixSocket.getDeclaredMethod("configureBlocking", FileDescriptor.class, boolean.class);
                m.setAccessible(true);
                return m;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null;
            }
        }
    }

    /**
     * Sets {@code O_NONBLOCK} on {@code fd}, whose number is {@code number}.
     *
     * @throws IOException naming the descriptor if it cannot be done
     */
    static void set(FileDescriptor fd, int number, String what) throws IOException {
        Method m = Holder.CONFIGURE_BLOCKING;
        if (m == null) {
            throw new IOException("cannot make " + what + " (fd " + number + ") non-blocking: junixsocket's "
                    + "NativeUnixSocket.configureBlocking(FileDescriptor, boolean) is not available");
        }
        try {
            m.invoke(null, fd, false);
        } catch (InvocationTargetException e) {
            throw new IOException("cannot make " + what + " (fd " + number + ") non-blocking: " + e.getCause(),
                    e.getCause());
        } catch (IllegalAccessException e) {
            throw new IOException("cannot make " + what + " (fd " + number + ") non-blocking: " + e, e);
        }
        if (!isNonBlocking(number)) {
            throw new IOException("cannot make " + what + " (fd " + number + ") non-blocking: O_NONBLOCK is not set"
                    + " after configureBlocking(false)");
        }
    }

    /** Whether descriptor {@code number} of this process has O_NONBLOCK. */
    static boolean isNonBlocking(int number) throws IOException {
        return dev.procwire.transport.internal.FdEndpoint.isNonBlocking(number);
    }
}
