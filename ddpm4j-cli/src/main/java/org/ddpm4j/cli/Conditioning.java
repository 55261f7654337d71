package org.ddpm4j.cli;

import java.util.Locale;
import org.ddpm4j.DdpmException;
import org.ddpm4j.api.DiffusionModel;
import org.ddpm4j.api.Generation;

/** What {@code --class} asks of a run, with the checks of {@code --class} and the guidance flags against it. */
final class Conditioning {

    private Conditioning() {}

    /** True for {@code --class all}: n images of every class, in class order. */
    static boolean all(String classOption) {
        return classOption != null && classOption.trim().toLowerCase(Locale.ROOT).equals("all");
    }

    /** Refuses class and guidance flags that the run cannot take, in the CLI's words. */
    static void check(boolean conditional, String classOption, GuidanceOptions options) {
        boolean autoguided = options.guideRun != null;
        if (!conditional) {
            if (classOption != null) {
                throw new DdpmException("--class needs a class-conditional run (train with --conditional)");
            }
            if (!autoguided && options.firstFlag() != null) {
                throw new DdpmException(options.firstFlag() + " needs a class-conditional run (train with --conditional) or a --guide-run");
            }
        }
        if (options.cfg != null && !autoguided) {
            throw new DdpmException("--cfg adds classifier-free guidance to autoguidance and needs a --guide-run (without one, use --guidance)");
        }
        if (options.cfg != null && classOption == null) {
            throw new DdpmException("--cfg needs --class: classifier-free guidance steers towards a class");
        }
    }

    /** Sets the class of {@code b}: none, {@code all} (every class) or one class (an index, {@code name:FOLDER} or a folder name). */
    static Generation.Builder classes(Generation.Builder b, DiffusionModel model, String classOption) {
        if (classOption == null) {
            return b.anyClass();
        }
        if (all(classOption)) {
            return b.everyClass();
        }
        return b.classIndex(classIndex(model, classOption));
    }

    /** The class {@code --class} names: an index, {@code name:FOLDER} or a folder name. */
    static int classIndex(DiffusionModel model, String classOption) {
        return org.ddpm4j.data.ClassChoice.index(classOption, model.classes(), model.classNames());
    }
}
