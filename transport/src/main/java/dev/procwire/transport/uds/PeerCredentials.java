package dev.procwire.transport.uds;

/**
 * Who is at the other end of a Unix domain socket, as the kernel recorded it when the socket was
 * connected ({@code SO_PEERCRED}); a peer cannot forge it. An immutable value.
 *
 * @param pid the peer's process id at connect time
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 */
public record PeerCredentials(long pid, int uid, int gid) {

    static PeerCredentials of(io.netty.channel.unix.PeerCredentials netty) {
        int[] gids = netty.gids();
        return new PeerCredentials(netty.pid(), netty.uid(), gids.length > 0 ? gids[0] : -1);
    }

    @Override
    public String toString() {
        return "pid " + pid + " uid " + uid + " gid " + gid;
    }
}
