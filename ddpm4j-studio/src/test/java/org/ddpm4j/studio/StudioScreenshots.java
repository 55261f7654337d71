package org.ddpm4j.studio;

import static org.ddpm4j.studio.StudioBrowserTest.el;
import static org.ddpm4j.studio.StudioBrowserTest.js;
import static org.ddpm4j.studio.StudioBrowserTest.screenshot;
import static org.ddpm4j.studio.StudioBrowserTest.set;
import static org.ddpm4j.studio.StudioBrowserTest.text;
import static org.ddpm4j.studio.StudioBrowserTest.waitFor;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The README's screenshots of the studio, taken with real trained runs (not part of the normal test run):
 * <pre>
 * mvn test -Dtest=StudioScreenshots -Dstudio.runs=DIR -Dstudio.cond=RUN -Dstudio.plain=RUN -Dstudio.shots=docs
 * </pre>
 * DIR holds a class-conditional MNIST run called RUN (studio.cond) and an unconditional one (studio.plain).
 */
@EnabledIfSystemProperty(named = "studio.runs", matches = ".+")
class StudioScreenshots {

    @Test
    void takeTheReadmeScreenshots() throws Exception {
        Path runs = Path.of(System.getProperty("studio.runs"));
        StudioBrowserTest.shots = Files.createDirectories(Path.of(System.getProperty("studio.shots", "target/studio-screenshots")));
        try (StudioServer server = new StudioServer(runs, "runs", Limits.defaults(), Access.of(StudioFixture.TOKEN, "127.0.0.1", java.util.List.of()),
                StudioServer.DEFAULT_MAX_STREAMS)) {
            String url = server.start("127.0.0.1", 0);
            String base = url.replaceAll("\\?token=.*$", "");
            StudioBrowserTest.driver = StudioBrowserTest.chromium(Files.createTempDirectory("ddpm4j-chromium"));
            try {
                StudioBrowserTest.driver.get(url); // sets the studio's cookie
                String cond = System.getProperty("studio.cond");
                StudioBrowserTest.driver.get(base + "?run=" + cond);
                waitFor(d -> text("status").startsWith("Ready"), 60);
                new Select(el("class")).selectByValue("7");
                new Select(el("sampler")).selectByValue("ddpm");
                set("steps", "250");
                set("count", "16");
                set("guidance", "2");
                el("generate").click();
                waitFor(d -> ((Number) js("return window.studio.frames")).intValue() >= 30, 300);
                screenshot("studio-streaming.png");
                waitFor(d -> text("status").startsWith("Done"), 600);
                screenshot("studio-generate.png");

                StudioBrowserTest.driver.get(base + "?run=" + System.getProperty("studio.plain"));
                waitFor(d -> text("status").startsWith("Ready"), 60);
                el("tab-draw").click();
                js("document.getElementById('brush').value = 3");
                new Actions(StudioBrowserTest.driver).moveToElement(el("canvas"), 15, -100).clickAndHold().moveByOffset(-8, 60).moveByOffset(-7, 50)
                        .release().perform();
                set("inpaint-count", "8");
                set("inpaint-steps", "50");
                set("resample", "3");
                el("complete").click();
                waitFor(d -> text("status").startsWith("Done"), 600);
                screenshot("studio-inpaint.png");
            } finally {
                StudioBrowserTest.driver.quit();
            }
        }
    }
}
