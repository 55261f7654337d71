package org.ddpm4j.data;

import java.util.List;
import org.ddpm4j.DdpmException;

/**
 * How a user names a class, everywhere ({@code --class}, the studio's API, copied command lines): a whole
 * number is the class index (0-based, in sorted folder-name order); {@code name:X} is the class whose folder
 * is named X; any other word is a folder name too. So a folder named {@code 2} is {@code name:2}, never
 * confused with index 2.
 */
public final class ClassChoice {

    /** The prefix that marks a class folder name. */
    public static final String NAME_PREFIX = "name:";

    private ClassChoice() {}

    /**
     * The class index {@code s} names.
     *
     * @param classes the number of classes the run knows
     * @param names the class names (empty when the classes have none)
     */
    public static int index(String s, int classes, List<String> names) {
        String t = s.trim();
        if (t.startsWith(NAME_PREFIX) || !t.matches("-?[0-9]+")) {
            String name = t.startsWith(NAME_PREFIX) ? t.substring(NAME_PREFIX.length()) : t;
            int i = names.indexOf(name);
            if (i >= 0 && i < classes) {
                return i;
            }
            throw new DdpmException("unknown class '" + abbreviate(t) + "' (" + known(classes, names) + ")");
        }
        long c;
        try {
            c = Long.parseLong(t);
        } catch (NumberFormatException e) {
            c = -1;
        }
        if (c < 0 || c >= classes) {
            throw new DdpmException("unknown class " + abbreviate(t) + " (" + known(classes, names) + ")");
        }
        return (int) c;
    }

    /** The shortest unambiguous way to name class {@code c} on a command line: its name, {@code name:NAME}, or its index. */
    public static String spell(int c, List<String> names) {
        if (c >= names.size() || names.get(c).equals(Integer.toString(c))) {
            return Integer.toString(c);
        }
        String n = names.get(c);
        boolean plain = !n.matches("-?[0-9]+") && !n.startsWith(NAME_PREFIX) && !n.equalsIgnoreCase("all") && n.equals(n.trim());
        return plain ? n : NAME_PREFIX + n;
    }

    private static String known(int classes, List<String> names) {
        StringBuilder b = new StringBuilder("this run knows classes 0..").append(classes - 1);
        if (!names.isEmpty()) {
            b.append(": ");
            for (int i = 0; i < names.size(); i++) {
                b.append(i == 0 ? "" : ", ").append(i).append(" = ").append(names.get(i));
                if (b.length() > 160) {
                    b.append(", ...");
                    break;
                }
            }
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
