package org.ddpm4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeMemory#trim()} must give freed malloc memory back to the OS, also memory that glibc cannot
 * return on its own because a live block sits above it (what a long job of PyTorch tensors leaves behind).
 */
class NativeMemoryTest {

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void trimReturnsFreedPagesThatMallocKeeps() throws IOException {
        assumeTrue(Platform.isLinux(), "glibc's malloc_trim is Linux only");
        int n = 200_000;
        int size = 1000; // small blocks: from the heap, not mmap
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = Native.malloc(size);
            new Pointer(blocks[i]).setMemory(0, size, (byte) 1); // touch it: resident
        }
        for (int i = 0; i < n - 1; i++) { // keep the last (topmost) block: free() alone cannot shrink the heap
            Native.free(blocks[i]);
        }
        long before = rssKiB();
        assertTrue(NativeMemory.trim(), "malloc_trim is available on this Linux");
        long after = rssKiB();
        Native.free(blocks[n - 1]);
        // ~190 MiB were freed; at least half of it must have left the process
        assertTrue(before - after > 100 * 1024, "RSS " + before + " KiB -> " + after + " KiB after trim");
    }

    @Test
    void anIdleServerShrinksItsHeapAndABusyOneKeepsG1sHeadroom() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        NativeMemory.idleHeap(true);
        assertEquals("30", vm.getVMOption("MaxHeapFreeRatio").getValue());
        assertEquals("10", vm.getVMOption("MinHeapFreeRatio").getValue());
        assertNotEquals("0", vm.getVMOption("G1PeriodicGCInterval").getValue(), "a periodic GC when idle");
        NativeMemory.idleHeap(false);
        assertEquals("70", vm.getVMOption("MaxHeapFreeRatio").getValue());
        assertEquals("40", vm.getVMOption("MinHeapFreeRatio").getValue());
        NativeMemory.idleHeap(true); // and back: the order of the two flags must never make one invalid
        assertEquals("30", vm.getVMOption("MaxHeapFreeRatio").getValue());
    }

    private static long minorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]); // field 10, minflt
    }

    @Test
    void keptPagesServeTheNextStepsTensorsWithoutPageFaults() throws IOException {
        assumeTrue(Platform.isLinux(), "glibc's mallopt is Linux only");
        assertTrue(NativeMemory.keepFreedPages(), "mallopt is available on this Linux");
        assertTrue(NativeMemory.keepFreedPages(), "and calling it again changes nothing");
        int mib = 24; // larger than glibc's default mmap threshold and than half its default trim threshold
        long size = mib << 20;
        long pages = size / 4096;
        long first = 0;
        long later = 0;
        for (int i = 0; i < 20; i++) { // one "step": allocate an activation, write all of it, free it
            long before = minorFaults();
            long block = Native.malloc(size);
            new Pointer(block).setMemory(0, size, (byte) 1);
            Native.free(block);
            long faults = minorFaults() - before;
            if (i == 0) {
                first = faults;
            } else {
                later += faults;
            }
        }
        // the first step faults its pages in; the 19 after it reuse them
        assertTrue(first > pages / 2, "the first block was new memory: " + first + " faults");
        assertTrue(later < pages / 4, later + " page faults in 19 later steps of " + pages + " pages each");
    }
}
