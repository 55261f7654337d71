package org.ddpm4j.diffusion;

import java.util.Locale;
import org.ddpm4j.DdpmException;

/**
 * What the network is trained to predict from x_t.
 *
 * <ul>
 *   <li>{@code EPS}: the noise epsilon (DDPM, the seed);
 *   <li>{@code X0}: the clean image x_0;
 *   <li>{@code V}: v = sqrt(alphaBar) eps - sqrt(1 - alphaBar) x0 (Salimans and Ho, arXiv 2202.00512).
 * </ul>
 */
public enum Prediction {
    @com.google.gson.annotations.SerializedName(value = "eps", alternate = {"epsilon", "EPS"}) EPS,
    @com.google.gson.annotations.SerializedName(value = "x0", alternate = {"sample", "X0"}) X0,
    @com.google.gson.annotations.SerializedName(value = "v", alternate = {"v_prediction", "V"}) V;

    public static Prediction parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "eps":
            case "epsilon":
                return EPS;
            case "x0":
            case "sample":
                return X0;
            case "v":
            case "v_prediction":
                return V;
            default:
                throw new DdpmException("unknown prediction target '" + s + "' (expected eps, x0 or v)");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
