package org.ddpm4j.sampler;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import org.ddpm4j.SettingException;
import org.ddpm4j.diffusion.GaussianDiffusion;

/**
 * A sampler that visits given time points instead of the ones its spacing places: every step is the wrapped
 * sampler's own, only the timesteps differ (tuned schedules, or the published time points of a paper). It
 * answers only for its own number of steps.
 */
public final class FixedTimesteps implements Sampler {

    private final Sampler inner;
    private final int[] timesteps;

    /**
     * @param inner the sampler whose steps are taken
     * @param timesteps strictly decreasing, each in 0..T-1
     * @throws SettingException (field {@code timesteps}) if they are not
     */
    public FixedTimesteps(Sampler inner, int[] timesteps) {
        check(timesteps, inner.diffusionSteps());
        this.inner = inner;
        this.timesteps = timesteps.clone();
    }

    /**
     * Checks that {@code timesteps} are time points of a T-step diffusion: at least one, strictly decreasing,
     * each in 0..T-1.
     *
     * @throws SettingException (field {@code timesteps}) if they are not
     */
    public static void check(int[] timesteps, int trainSteps) {
        if (timesteps.length == 0) {
            throw new SettingException("timesteps", "give at least one time point");
        }
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] < 0 || timesteps[i] >= trainSteps || (i > 0 && timesteps[i] >= timesteps[i - 1])) {
                throw new SettingException("timesteps", "must be strictly decreasing, each in 0.." + (trainSteps - 1) + ", got "
                        + Arrays.toString(timesteps));
            }
        }
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public GaussianDiffusion diffusion() {
        return inner.diffusion();
    }

    @Override
    public TimestepSpacing spacing() {
        return inner.spacing();
    }

    @Override
    public int[] timesteps(int numSteps) {
        if (numSteps != timesteps.length) {
            throw new SettingException("steps", "the time points given are " + timesteps.length + ", not " + numSteps);
        }
        return timesteps.clone();
    }

    @Override
    public StepOutput step(NDArray modelOutput, int t, int tPrev, NDArray xt, org.ddpm4j.util.Gaussians rng) {
        return inner.step(modelOutput, t, tPrev, xt, rng);
    }

    @Override
    public void reset() {
        inner.reset();
    }
}
