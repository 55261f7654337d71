package org.ddpm4j.api;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Where the networks run: the CPU ({@link #CPU}, the default) or CUDA device N ({@code gpu:N}). Written as the
 * {@code --device} flag takes it: {@code cpu}, {@code gpu} (= {@code gpu:0}) or {@code gpu:N}. The quality meter's
 * classifier always runs on the CPU. A GPU needs PyTorch's CUDA natives instead of the CPU ones this build ships
 * ({@code docs/scaling.md}); {@link #check} turns a missing device or CPU-only natives into one line naming the fix.
 *
 * @param gpu true for a CUDA device
 * @param index the CUDA device number (0 for the CPU)
 */
public record ComputeDevice(boolean gpu, int index) {

    /** The CPU. */
    public static final ComputeDevice CPU = new ComputeDevice(false, 0);

    public ComputeDevice {
        if (!gpu && index != 0 || index < 0 || index > 1023) {
            throw new InvalidRequestException("device", "must be cpu, gpu or gpu:N with N in 0..1023, got " + (gpu ? "gpu:" : "cpu:") + index);
        }
    }

    /** Parses {@code cpu}, {@code gpu} or {@code gpu:N} (case and surrounding blanks ignored). */
    public static ComputeDevice parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("gpu") || s.equals("cuda")) {
            return new ComputeDevice(true, 0);
        }
        for (String p : new String[] {"gpu:", "cuda:"}) {
            if (s.startsWith(p) && s.length() > p.length() && s.length() <= p.length() + 4 && s.substring(p.length()).chars().allMatch(Character::isDigit)) {
                return new ComputeDevice(true, Integer.parseInt(s.substring(p.length())));
            }
        }
        throw new InvalidRequestException("device", "must be cpu, gpu or gpu:N (a CUDA device number), got '" + spec + "'");
    }

    /**
     * Checks that this device can run: always for the CPU; for {@code gpu:N}, that PyTorch's natives see more than
     * N CUDA devices. The check asks the engine, so it loads the natives.
     *
     * @throws InvalidRequestException naming the fix: CUDA natives, or a device number PyTorch sees
     */
    public ComputeDevice check() {
        if (!gpu) {
            return this;
        }
        int count = gpuCount();
        if (count == 0) {
            throw new InvalidRequestException("device", this + ": PyTorch sees no CUDA device: this build runs PyTorch's CPU natives"
                    + " (see docs/scaling.md: a CUDA build of libtorch via PYTORCH_LIBRARY_PATH, PYTORCH_VERSION and PYTORCH_FLAVOR,"
                    + " and an NVIDIA driver), or use cpu");
        }
        if (index >= count) {
            throw new InvalidRequestException("device", this + " does not exist: PyTorch sees " + count + " CUDA device"
                    + (count == 1 ? " (gpu:0)" : "s (gpu:0 to gpu:" + (count - 1) + ")"));
        }
        return this;
    }

    /** The number of CUDA devices the loaded PyTorch natives see (0 with the CPU natives). */
    static int gpuCount() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    /** DJL's device. */
    Device djl() {
        return gpu ? Device.gpu(index) : Device.cpu();
    }

    @Override
    public String toString() {
        return gpu ? "gpu:" + index : "cpu";
    }
}
