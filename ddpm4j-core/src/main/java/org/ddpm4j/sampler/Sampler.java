package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import org.ddpm4j.diffusion.GaussianDiffusion;
import org.ddpm4j.util.Rng;

/**
 * One reverse-diffusion algorithm. The pipeline asks for the timesteps, then for each timestep t (with
 * the next one tPrev, or -1 after the last) runs the network and hands its raw output to {@link #step}.
 *
 * <p>A sampler never sees the network. Multistep samplers keep history between calls: the pipeline calls
 * {@link #reset()} before each new trajectory.
 */
public interface Sampler {

    /** A short name, such as {@code ddpm} or {@code ddim}. */
    String name();

    /** The diffusion process this sampler reverses. */
    GaussianDiffusion diffusion();

    /** T, the number of diffusion steps of the schedule this sampler walks (timesteps are 0..T-1). */
    default int diffusionSteps() {
        return diffusion().schedule().steps();
    }

    /** How this sampler spreads its network calls over the T diffusion steps. */
    TimestepSpacing spacing();

    /** The timesteps to visit, strictly decreasing, one network call each. */
    default int[] timesteps(int numSteps) {
        return spacing().timesteps(diffusionSteps(), numSteps);
    }

    /**
     * One reverse step from x_t to x_{tPrev}.
     *
     * @param modelOutput the raw network output at (x_t, t), (B, C, H, W)
     * @param t the current timestep, 0..T-1
     * @param tPrev the next timestep to reach, or -1 to finish at x_0
     * @param xt the current sample, (B, C, H, W)
     * @param rng the source of any fresh noise z
     * @return x_{tPrev} and the predicted x0; both belong to the manager of {@code xt}
     */
    StepOutput step(NDArray modelOutput, int t, int tPrev, NDArray xt, org.ddpm4j.util.Gaussians rng);

    /** Forgets any multistep history before a new trajectory. */
    default void reset() {}
}
