package org.ddpm4j.studio;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use the studio: the holder of its token (in a cookie set when the printed URL is opened, or an
 * {@code Authorization: Bearer} header), through a Host name on the allow-list. Loopback names always count;
 * {@code --host} adds itself, a wildcard host adds the machine's own addresses, {@code --allow-host} adds more.
 *
 * @param token the secret, or null when the studio runs without one (loopback only)
 * @param hosts allowed Host header values, lower case, without port
 */
public record Access(String token, Set<String> hosts) {

    /** A fresh random token: 128 bits as 32 hex digits. */
    public static String newToken() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** True for a loopback listen address (127.0.0.0/8, ::1, localhost). */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.equals("[::1]") || h.startsWith("127.");
    }

    /** True for 0.0.0.0 or :: (every interface). */
    public static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    /** The allow-list for a server listening on {@code listenHost}, with the user's extra names. */
    public static Access of(String token, String listenHost, List<String> extraHosts) {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "[::1]"));
        hosts.add(bracket(listenHost.toLowerCase(Locale.ROOT)));
        if (isWildcard(listenHost)) {
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                        String s = a.getHostAddress();
                        int zone = s.indexOf('%');
                        hosts.add(bracket((zone >= 0 ? s.substring(0, zone) : s).toLowerCase(Locale.ROOT)));
                    }
                }
                hosts.add(InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT));
            } catch (SocketException | java.net.UnknownHostException e) {
                // the loopback names and --allow-host still work
            }
        }
        for (String h : extraHosts) {
            hosts.add(bracket(h.trim().toLowerCase(Locale.ROOT)));
        }
        hosts.remove("0.0.0.0");
        hosts.remove("[::]");
        return new Access(token, Set.copyOf(hosts));
    }

    private static String bracket(String h) {
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    /** True if a request's Host header names this server: an allowed name, with this port or none. */
    public boolean hostAllowed(String hostHeader, int port) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return false;
        }
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        String name = h;
        int close = h.lastIndexOf(']');
        int colon = h.lastIndexOf(':');
        if (colon > close) {
            name = h.substring(0, colon);
            if (!h.substring(colon + 1).equals(Integer.toString(port))) {
                return false;
            }
        }
        return hosts.contains(name);
    }

    /** True if {@code presented} is the token (compared in constant time); always true without a token. */
    public boolean tokenMatches(String presented) {
        if (token == null) {
            return true;
        }
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }

    /** The cookie that carries the token: one per port, so two studios on one machine do not clash. */
    public static String cookieName(int port) {
        return "ddpm4j-studio-" + port;
    }
}
