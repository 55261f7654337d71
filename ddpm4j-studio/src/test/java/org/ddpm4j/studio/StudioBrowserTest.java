package org.ddpm4j.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.ddpm4j.image.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * End-to-end tests of the studio page in a real headless Chromium (Debian's chromium and chromium-driver,
 * which .ci/run installs). Without them the tests are skipped, unless DDPM4J_BROWSER_TESTS=required (as in
 * CI), where their absence fails. Screenshots of each flow go to target/studio-screenshots/.
 */
class StudioBrowserTest {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String DRIVER = "/usr/bin/chromedriver";

    static StudioServer server;
    static String base;
    static WebDriver driver;
    static Path shots = Path.of("target", "studio-screenshots");

    /** Starts headless Chromium the way this machine allows it (no sandbox as root, no background networking). */
    static WebDriver chromium(Path profile) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1440,1000", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).build();
        return new ChromeDriver(service, o);
    }

    static boolean browserAvailable() {
        boolean present = new File(CHROMIUM).canExecute() && new File(DRIVER).canExecute();
        if (!present && "required".equals(System.getenv("DDPM4J_BROWSER_TESTS"))) {
            throw new AssertionError("DDPM4J_BROWSER_TESTS=required but " + CHROMIUM + " or " + DRIVER
                    + " is missing (apt-get install chromium chromium-driver)");
        }
        return present;
    }

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(browserAvailable(), "no chromium/chromedriver: browser tests skipped");
        Path runs = StudioFixture.runs();
        server = StudioFixture.server("runs", 1);
        String url = server.start("127.0.0.1", 0);
        base = url.replaceAll("\\?token=.*$", "");
        driver = chromium(Files.createTempDirectory("ddpm4j-chromium"));
        // as a user does: open the printed URL once; the studio sets its cookie and drops the token from the address
        driver.get(url);
        waitFor(d -> !d.getCurrentUrl().contains("token="), 30);
        Files.createDirectories(shots);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void load() {
        driver.get(base + "?run=cond");
        waitFor(d -> text("status").startsWith("Ready: cond"), 30);
    }

    @Test
    void loadsThePageWithTheRunItsConfigAndCurve() {
        assertEquals("ddpm4j studio", driver.getTitle());
        List<String> runs = new Select(el("run")).getOptions().stream().map(WebElement::getText).toList();
        assertEquals(List.of("cond - unet, conditional", "plain - unet", "student - unet, conditional"), runs);
        assertTrue(el("run-info").getText().contains("2 (class-conditional)"), el("run-info").getText());
        assertEquals(3, new Select(el("class")).getOptions().size(), "any + classes 0 and 1");
        new Select(el("run")).selectByValue("plain");
        waitFor(d -> text("status").startsWith("Ready: plain"), 10);
        assertFalse(el("class").isEnabled(), "no class choice for an unconditional run");
        assertTrue(el("run-info").getText().contains("unconditional"));
    }

    @Test
    void thePageWorksUnderItsContentSecurityPolicyWhichBlocksInlineScripts() {
        // the page itself (loaded, a run selected) broke no rule of the policy
        assertEquals(0L, ((Number) js("return window.studio.cspViolations.length")).longValue(), String.valueOf(js("return window.studio.cspViolations")));
        // and the policy is in force: an injected inline script does not run, and is reported
        Object ran = js("const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                + " document.body.appendChild(s); return window.injected === 1;");
        assertEquals(Boolean.FALSE, ran, "an inline script ran despite the policy");
        waitFor(d -> ((Number) js("return window.studio.cspViolations.length")).longValue() > 0, 5);
        assertTrue(String.valueOf(js("return window.studio.cspViolations")).contains("script-src"));
    }

    @Test
    void generatesStreamingFramesBeforeTheFinalGridAndCopiesTheCommand() throws IOException {
        new Select(el("class")).selectByValue("1");
        set("steps", "8");
        set("count", "9");
        set("seed", "3");
        el("generate").click();
        waitFor(d -> text("status").startsWith("Done"), 60);
        List<?> log = (List<?>) js("return window.studio.log.slice()");
        assertEquals("queued", log.get(0));
        assertEquals("done", log.get(log.size() - 1));
        assertEquals(8, log.stream().filter("frame"::equals).count(), "every step streamed: " + log);
        assertTrue(log.indexOf("frame") < log.indexOf("done"));
        assertTrue(el("result").getAttribute("src").startsWith("data:image/png;base64,"));
        assertTrue(el("xt").getAttribute("src").startsWith("data:image/png;base64,"));
        assertTrue(el("download").isDisplayed());
        assertEquals("./ddpm sample --run runs/cond --n 9 --seed 3 --sampler ddim --steps 8 --class 1 --guidance 0.25 --out samples/cond",
                text("command"));
        el("copy").click();
        waitFor(d -> text("status").equals("Command copied."), 10);
        screenshot("generate.png");
    }

    @Test
    void sketchesAStrokeAndTheModelCompletesIt() throws IOException {
        el("tab-draw").click();
        WebElement canvas = el("canvas");
        new Actions(driver).moveToElement(canvas, -20, -100).clickAndHold().moveByOffset(10, 60).moveByOffset(10, 80).release().perform();
        String drawn = (String) js("return document.getElementById('canvas').toDataURL()");
        set("inpaint-count", "3");
        set("inpaint-steps", "6");
        set("resample", "2");
        el("complete").click();
        waitFor(d -> text("status").startsWith("Done"), 60);
        List<?> log = (List<?>) js("return window.studio.log.slice()");
        assertEquals(List.of("queued", "frame", "frame", "frame", "frame", "frame", "frame", "done"), log);
        assertTrue(el("result").getAttribute("src").startsWith("data:image/png"));
        assertFalse(drawn.equals(js("var c = document.createElement('canvas'); c.width = c.height = 280; return c.toDataURL()")),
                "the stroke was drawn");
        screenshot("inpaint-stroke.png");
    }

    @Test
    void paintsAMaskOverAnUploadedImage(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB); // any size: the page scales it to the run's
        for (int y = 0; y < 32; y++) {
            img.setRGB(15, y, 0xFFFFFF);
            img.setRGB(16, y, 0xFFFFFF);
        }
        Path file = tmp.resolve("one.png");
        Files.write(file, Images.pngBytes(img));
        el("tab-draw").click();
        el("upload").sendKeys(file.toAbsolutePath().toString());
        waitFor(d -> text("status").startsWith("Image loaded"), 10);
        assertTrue(el("mode-mask").isSelected());
        new Actions(driver).moveToElement(el("canvas"), -100, -100).clickAndHold().moveByOffset(60, 0).moveByOffset(0, 60).release().perform();
        set("inpaint-steps", "4");
        set("resample", "1");
        el("complete").click();
        waitFor(d -> text("status").startsWith("Done"), 60);
        assertTrue(el("result").getAttribute("src").startsWith("data:image/png"));
        screenshot("inpaint-mask.png");
    }

    @Test
    void invalidInputShowsTheServersMessage() throws IOException {
        set("steps", "5000");
        el("generate").click();
        waitFor(d -> !text("error").isEmpty(), 10);
        assertEquals("steps must be a whole number in 1..1000, got 5000", text("error"));
        set("steps", "8");
        set("count", "abc"); // a number input holds "" for text: the server's default applies
        set("guidance", "99");
        new Select(el("class")).selectByValue("0");
        el("generate").click();
        waitFor(d -> text("error").startsWith("guidance"), 10);
        assertEquals("guidance must be in 0..20, got 99", text("error"));
        screenshot("invalid.png");
    }

    @Test
    void cancelStopsTheGenerationOnTheServer() throws Exception {
        new Select(el("sampler")).selectByValue("ddpm");
        set("steps", "1000");
        set("count", "64");
        el("generate").click();
        waitFor(d -> ((Number) js("return window.studio.frames")).intValue() >= 1, 30);
        // frames arrive while the job runs, before any final image
        assertTrue(el("result").getAttribute("src") == null || el("result").getAttribute("src").isEmpty());
        assertTrue(text("status").startsWith("Denoising: step"), text("status"));
        String job = (String) js("return window.studio.job");
        el("cancel").click();
        waitFor(d -> text("status").equals("Cancelled."), 30);
        StudioFixture.Response state = StudioFixture.get(base.replaceAll("/$", ""), "/api/jobs/" + job);
        assertEquals("cancelled", state.json().get("state").getAsString());
        assertTrue(state.json().get("steps_done").getAsInt() < 1000, state.body());
        assertTrue(el("generate").isEnabled());
    }

    @Test
    void aStudentRunOffersOnlyItsStepsAndSamplesWithoutGuidance() {
        new Select(el("run")).selectByValue("student");
        waitFor(d -> text("status").startsWith("Ready: student"), 10);
        assertTrue(el("run-info").getText().contains("progressive: DDIM at 2 steps, guidance 0.25 built in"), el("run-info").getText());
        assertEquals("2", el("steps").getAttribute("value"));
        assertFalse(el("steps").isEnabled());
        assertFalse(el("sampler").isEnabled());
        assertFalse(el("preset").isEnabled());
        assertEquals("0", el("guidance").getAttribute("value"), "the guidance is built in");
        new Select(el("class")).selectByValue("1");
        el("generate").click();
        waitFor(d -> text("status").startsWith("Done"), 60);
        assertEquals(2, ((List<?>) js("return window.studio.log.slice()")).stream().filter("frame"::equals).count());
        assertTrue(text("command").contains("--steps 2"), text("command"));
    }

    @Test
    void livePresetsDebounceChangesAndReplaceTheSupersededJob() throws Exception {
        new Select(el("preset")).selectByValue("ipndm:4");
        assertEquals("ipndm", new Select(el("sampler")).getFirstSelectedOption().getAttribute("value"));
        assertEquals("4", el("steps").getAttribute("value"));
        el("live").click();
        long before = ((Number) js("return window.studio.submitted")).longValue();
        // three changes faster than the debounce: one job
        js("for (const v of ['1', '2', '3']) { const e = document.getElementById('seed'); e.value = v; e.dispatchEvent(new Event('input')); }");
        waitFor(d -> text("status").startsWith("Done"), 60);
        assertEquals(before + 1, ((Number) js("return window.studio.submitted")).longValue(), "debounced into one job");
        assertTrue(text("command").contains("--seed 3 --sampler ipndm --steps 4"), text("command"));

        // a long job still running when the user changes a setting is cancelled on the server and replaced
        el("live").click(); // off while the long job is set up
        new Select(el("sampler")).selectByValue("ddpm");
        set("steps", "1000");
        set("count", "64");
        el("generate").click();
        waitFor(d -> ((Number) js("return window.studio.frames")).intValue() >= 1 && text("status").startsWith("Denoising"), 60);
        String old = (String) js("return window.studio.job");
        long superseded = ((Number) js("return window.studio.superseded")).longValue();
        el("live").click();
        js("const e = document.getElementById('seed'); e.value = '4'; e.dispatchEvent(new Event('input'));");
        waitFor(d -> !old.equals(js("return window.studio.job")), 30);
        assertEquals(superseded + 1, ((Number) js("return window.studio.superseded")).longValue());
        String api = base.replaceAll("/$", "");
        waitFor(d -> {
            try {
                return "cancelled".equals(StudioFixture.get(api, "/api/jobs/" + old).json().get("state").getAsString());
            } catch (Exception e) {
                return false;
            }
        }, 30);
        el("live").click(); // off again
        el("cancel").click();
        waitFor(d -> text("status").equals("Cancelled."), 30);
    }

    @Test
    void aFullQueueIsShownAsBusy() throws Exception {
        String api = base.replaceAll("/$", "");
        String longJob = "{\"run\": \"cond\", \"sampler\": \"ddpm\", \"steps\": 1000, \"count\": 64}";
        StudioFixture.awaitIdle(api);
        String a = StudioFixture.post(api, "/api/generate", longJob).json().get("job").getAsString();
        StudioFixture.awaitStarted(api, a);
        String b = StudioFixture.post(api, "/api/generate", longJob).json().get("job").getAsString();
        try {
            el("generate").click();
            waitFor(d -> !text("error").isEmpty(), 10);
            assertTrue(text("error").startsWith("Busy: the studio is busy"), text("error"));
        } finally {
            StudioFixture.post(api, "/api/jobs/" + a + "/cancel", "");
            StudioFixture.post(api, "/api/jobs/" + b + "/cancel", "");
            StudioFixture.events(api, a, e -> {});
        }
    }

    // ---- helpers

    static WebElement el(String id) {
        return driver.findElement(By.id(id));
    }

    static String text(String id) {
        return el(id).getText().trim();
    }

    static void set(String id, String value) {
        WebElement e = el(id);
        e.clear();
        e.sendKeys(value);
    }

    static Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    static void waitFor(java.util.function.Function<WebDriver, Boolean> condition, int seconds) {
        new WebDriverWait(driver, Duration.ofSeconds(seconds)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .withMessage(() -> "status: " + text("status") + " | error: " + text("error")).until(condition);
    }

    static void screenshot(String name) throws IOException {
        byte[] png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(shots.resolve(name), png);
    }
}
