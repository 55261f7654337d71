package org.ddpm4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code --device}: parsing, and a GPU the CPU natives cannot see refused with one line naming the fix. */
class ComputeDeviceTest {

    @Test
    void parsesCpuGpuAndGpuN() {
        assertEquals(ComputeDevice.CPU, ComputeDevice.parse("cpu"));
        assertEquals(ComputeDevice.CPU, ComputeDevice.parse(" CPU "));
        assertEquals(new ComputeDevice(true, 0), ComputeDevice.parse("gpu"));
        assertEquals(new ComputeDevice(true, 3), ComputeDevice.parse("gpu:3"));
        assertEquals(new ComputeDevice(true, 1), ComputeDevice.parse("cuda:1"));
        assertEquals("gpu:3", ComputeDevice.parse("gpu:3").toString());
        assertEquals("cpu", ComputeDevice.CPU.toString());
        for (String bad : new String[] {"", "tpu", "gpu:", "gpu:-1", "gpu:x", "gpu:99999", "cpu:1", "gpu:0,1"}) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ComputeDevice.parse(bad), bad);
            assertEquals("device", e.field());
            assertTrue(e.getMessage().contains("must be cpu, gpu or gpu:N"), e.getMessage());
        }
    }

    @Test
    void theCpuNativesSeeNoGpuAndSaySoInOneLine() {
        assertEquals(ComputeDevice.CPU, ComputeDevice.CPU.check());
        assertEquals(0, ComputeDevice.gpuCount(), "this build carries PyTorch's CPU natives");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ComputeDevice.parse("gpu:1").check());
        assertEquals("device", e.field());
        assertTrue(e.getMessage().contains("gpu:1: PyTorch sees no CUDA device") && e.getMessage().contains("PYTORCH_LIBRARY_PATH")
                && e.getMessage().contains("docs/scaling.md") && !e.getMessage().contains("\n"), e.getMessage());
    }
}
