package org.ddpm4j.util;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Hands memory a process no longer uses back to the operating system: free malloc memory, and (for a
 * server) idle Java heap.
 *
 * <p>{@link #trim()}: PyTorch allocates every tensor with malloc;
 * glibc keeps freed blocks in its arenas, and a long job of same-shaped batches slowly fragments them, so
 * resident memory creeps up although nothing leaks. glibc's {@code malloc_trim(0)} releases every free page,
 * also from the middle of the heaps. Called between sampling batches; a no-op where it is unavailable, or
 * when the JVM is started with {@code -Dddpm4j.mallocTrim=false} (used by the benchmark that measures it).
 */
public final class NativeMemory {

    private NativeMemory() {}

    private interface LibC extends Library {
        int malloc_trim(long pad);

        int mallopt(int param, int value);
    }

    // glibc's mallopt parameters (malloc.h)
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;

    private static final LibC LIBC = load();
    private static final boolean TRIM = !"false".equals(System.getProperty("ddpm4j.mallocTrim"));
    private static boolean keeping;

    private static LibC load() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            LibC c = Native.load(Platform.C_LIBRARY_NAME, LibC.class);
            c.malloc_trim(0);
            return c;
        } catch (Throwable e) { // not glibc (musl), or JNA cannot load: nothing to trim
            return null;
        }
    }

    /** Releases free malloc memory to the OS; returns false where that is not possible. */
    public static boolean trim() {
        if (LIBC == null || !TRIM) {
            return false;
        }
        LIBC.malloc_trim(0);
        return true;
    }

    /**
     * Makes glibc keep the pages of freed tensors for the next step instead of handing them back to the OS, for
     * training: every step allocates and frees the same few hundred MiB of activations and gradients, and with
     * glibc's defaults many of them come from fresh mmaps (its threshold adapts only up to the sizes it has
     * seen freed) or from heap tops trimmed at each free, so each step page-faults tens of MiB anew, and on a
     * virtual machine a page fault is expensive. With the mmap threshold fixed at 32 MiB (glibc's largest; a
     * batch-64 activation of the default U-Net is 6-13 MiB), trimming only above 1 GiB of free top and heaps
     * grown 64 MiB at a time, a step reuses the memory of the step before. Resident memory then stays at the
     * step's peak instead of falling between steps; {@link #trim()} still hands everything back on request.
     * Process-wide and idempotent; returns false where it is unavailable or when the JVM runs with
     * {@code -Dddpm4j.mallocKeep=false} (used by the benchmark that measures it).
     */
    public static synchronized boolean keepFreedPages() {
        if (LIBC == null || "false".equals(System.getProperty("ddpm4j.mallocKeep"))) {
            return false;
        }
        if (!keeping) {
            keeping = LIBC.mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1
                    & LIBC.mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1
                    & LIBC.mallopt(M_TOP_PAD, 64 << 20) == 1;
        }
        return keeping;
    }

    /**
     * A server's load comes in bursts. After one, G1 keeps up to 70% of its heap free (MaxHeapFreeRatio),
     * so the resident heap stays at its peak although little of it is used; measured, that was all of the
     * studio's memory growth after a load test. So a server calls this with {@code true} when it falls idle,
     * and the heap shrinks to 30% free at the next GC (G1 runs one every 5 s when idle: set here if the
     * JVM has not set it), and with {@code false} when work starts, so a burst runs with the ratios the JVM
     * started with (G1's defaults 40 / 70 unless set) and no extra collections. These flags are manageable,
     * so they hold under {@code java -jar} too.
     */
    public static synchronized void idleHeap(boolean idle) {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (busyRatios == null) { // what the JVM started with, to go back to
                busyRatios = new String[] {vm.getVMOption("MinHeapFreeRatio").getValue(), vm.getVMOption("MaxHeapFreeRatio").getValue()};
            }
            if (idle) {
                vm.setVMOption("MinHeapFreeRatio", min(busyRatios[0], 10)); // first: Min must stay <= Max
                vm.setVMOption("MaxHeapFreeRatio", min(busyRatios[1], 30));
                if ("0".equals(vm.getVMOption("G1PeriodicGCInterval").getValue())) {
                    vm.setVMOption("G1PeriodicGCInterval", "5000");
                }
            } else {
                vm.setVMOption("MaxHeapFreeRatio", busyRatios[1]); // first: Max must stay >= Min
                vm.setVMOption("MinHeapFreeRatio", busyRatios[0]);
            }
        } catch (RuntimeException e) { // another JVM or collector without these flags: keep its defaults
        }
    }

    private static String[] busyRatios;

    private static String min(String ratio, int cap) {
        return Integer.toString(Math.min(Integer.parseInt(ratio), cap));
    }
}
