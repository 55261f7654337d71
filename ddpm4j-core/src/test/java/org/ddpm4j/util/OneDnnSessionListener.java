package org.ddpm4j.util;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Applies {@link OneDnn}'s rule once, before any test runs, so that tests which call the engine directly
 * (kernel sweeps, tensor helpers) run oneDNN with the instruction set users get.
 */
public final class OneDnnSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        OneDnn.avoidFaultyKernels();
    }
}
