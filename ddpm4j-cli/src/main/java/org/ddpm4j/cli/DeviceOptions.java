package org.ddpm4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.ComputeDevice;
import picocli.CommandLine.Option;

/** {@code --device}: where the networks run. */
final class DeviceOptions {

    @Option(names = "--device", paramLabel = "D", defaultValue = "cpu",
            description = "Where the network runs: cpu, gpu or gpu:N (needs PyTorch's CUDA natives, see docs/scaling.md); "
                    + "train also takes gpu:0,1,... (data-parallel on several GPUs). Default: ${DEFAULT-VALUE}.")
    String device = "cpu";

    /** The one device asked for, checked: a GPU the natives do not see is one line naming the fix. */
    ComputeDevice device() {
        if (device.contains(",")) {
            throw new DdpmException("--device " + device + ": one device here (several GPUs are for train)");
        }
        return ComputeDevice.parse(device).check();
    }

    /** The devices asked for (several only GPUs, each once), checked. */
    List<ComputeDevice> devices() {
        if (!device.contains(",")) {
            return List.of(device());
        }
        List<ComputeDevice> ds = new ArrayList<>();
        for (String part : device.split(",", -1)) {
            ComputeDevice d = ComputeDevice.parse(part.trim().matches("[0-9]{1,4}") ? "gpu:" + part.trim() : part); // gpu:0,1
            if (!d.gpu()) {
                throw new DdpmException("--device " + device + ": several devices must all be GPUs (gpu:0,gpu:1 or gpu:0,1)");
            }
            if (ds.contains(d)) {
                throw new DdpmException("--device " + device + ": " + d + " is named twice");
            }
            ds.add(d);
        }
        ds.forEach(ComputeDevice::check);
        return ds;
    }
}
