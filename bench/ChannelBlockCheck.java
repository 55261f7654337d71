import ai.djl.ndarray.NDManager;

/**
 * The convolution shapes of ChannelBlockTest after filling freed heap memory with NaN bytes, through
 * PaddedConv2d or (with "raw") straight to oneDNN: java -cp "CLASSES:target/ddpm4j.jar:target/lib/*"
 * ChannelBlockCheck [raw], with CLASSES holding the compiled test classes (ddpm4j-core/target/test-classes).
 * Prints each shape that gave a NaN and a count.
 */
public class ChannelBlockCheck {
    public static void main(String[] a) throws Exception {
        boolean raw = a.length > 0 && a[0].equals("raw");
        int[] channels = {1, 3, 8, 9, 16, 24, 40, 48};
        java.lang.reflect.Method nanIn = Class.forName("org.ddpm4j.model.ChannelBlockTest")
                .getDeclaredMethod("nanIn", NDManager.class, int.class, int.class, int.class, int.class, boolean.class);
        nanIn.setAccessible(true);
        int cases = 0;
        int bad = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int k : new int[] {1, 3}) {
                for (int stride : new int[] {1, 2}) {
                    for (int ic : channels) {
                        for (int oc : channels) {
                            String nan = (String) nanIn.invoke(null, m, ic, oc, k, stride, !raw);
                            cases++;
                            if (!nan.isEmpty()) {
                                bad++;
                                System.out.println("k" + k + " s" + stride + " ic" + ic + " oc" + oc + ": " + nan);
                            }
                        }
                    }
                }
            }
        }
        System.out.println(bad + " of " + cases + " shapes gave NaN (" + (raw ? "plain convolution" : "PaddedConv2d") + ")");
    }
}
