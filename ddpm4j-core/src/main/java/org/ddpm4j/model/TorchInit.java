package org.ddpm4j.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import org.ddpm4j.util.Rng;
import org.ddpm4j.util.Tensors;

/**
 * PyTorch's default initialisation of a fresh module, drawn from an {@link Rng}: convolution and linear
 * weights and biases uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)); norm scales stay 1
 * and shifts 0.
 */
public final class TorchInit {

    private TorchInit() {}

    public static void apply(PairList<String, Parameter> parameters, Rng rng) {
        long fanIn = 1;
        for (Pair<String, Parameter> p : parameters) {
            Parameter.Type type = p.getValue().getType();
            if (type != Parameter.Type.WEIGHT && type != Parameter.Type.BIAS) {
                continue; // GroupNorm's gamma and beta keep their ones and zeros
            }
            Shape s = p.getValue().getArray().getShape();
            if (s.dimension() >= 2) {
                fanIn = s.size() / s.get(0);
            }
            // a bias takes the fan-in of the weight before it, as torch.nn.Conv2d/Linear do
            double bound = 1.0 / Math.sqrt(fanIn);
            float[] v = new float[Math.toIntExact(s.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            Tensors.copyInto(p.getValue().getArray(), v);
        }
    }
}
