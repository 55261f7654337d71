package org.ddpm4j.cli;

import java.util.function.Consumer;
import org.ddpm4j.api.Training;
import picocli.CommandLine.Option;

/** {@code ./ddpm train}'s data and conditioning flags, set onto a recipe; what is not given keeps the recipe's default. */
final class DataOptions {

    @Option(names = "--data", defaultValue = "mnist", description = "Dataset: mnist (embedded), idx:DIR (MNIST-format files) or "
            + "folder:DIR (PNG/JPEG/GIF/BMP pictures; subfolders are classes). Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--size", description = "folder: data: side of the square training images (short-side resize, centre crop; default 32).")
    Integer size;

    @Option(names = "--channels", description = "folder: data: 1 (gray) or 3 (RGB); default: inferred from the pictures.")
    Integer channels;

    @Option(names = "--flip", negatable = true, description = "Random horizontal flips of training images (default: on for folder: data, off otherwise).")
    Boolean flip;

    @Option(names = "--digit", description = "Train on this class only (default: all classes).")
    Integer digit;

    @Option(names = "--conditional", description = "Train a class-conditional U-Net on all classes (for --class and --guidance at sampling).")
    boolean conditional;

    @Option(names = "--p-uncond", defaultValue = "0.1", description = "With --conditional: probability of dropping the label. Default: ${DEFAULT-VALUE}.")
    double pUncond;

    Training.Recipe apply(Training.Recipe r) {
        r.data(data).conditional(conditional).pUncond(pUncond);
        set(size, r::size);
        set(channels, r::channels);
        set(flip, r::flip);
        set(digit, r::digit);
        return r;
    }

    /** Calls {@code setter} with {@code value} if the flag was given. */
    static <T> void set(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
