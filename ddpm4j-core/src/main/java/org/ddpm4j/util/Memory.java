package org.ddpm4j.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process from /proc/self/status (Linux); -1 where unavailable. */
public final class Memory {

    private Memory() {}

    /** Current resident set size in MiB (VmRSS). */
    public static double rssMiB() {
        return read("VmRSS:");
    }

    /** Peak resident set size in MiB (VmHWM). */
    public static double peakRssMiB() {
        return read("VmHWM:");
    }

    private static double read(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
