import ai.djl.engine.Engine;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.*;

/**
 * Convolution backward (input and weight gradients) against a double-precision reference over 1,372 shapes.
 * {@code java -cp "target/ddpm4j.jar:target/lib/*" bench/ConvBackwardCheck.java REPEATS [padded]}: without
 * {@code padded} the raw DJL/oneDNN convolution; with it, the same through {@code PaddedConv2d}, as the networks run it.
 */
public class ConvBackwardCheck {
    public static void main(String[] a) {
        Random r = new Random(1);
        int bad = 0, total = 0;
        int[] cis = {1,2,4,8,16,32,64}, cos = {1,2,4,8,16,32,64}, hs = {2,4,7,8,14,16,28};
        try (NDManager m = NDManager.newBaseManager()) {
          boolean padded = a.length > 1 && a[1].equals("padded");
          for (int rep = 0; rep < Integer.parseInt(a[0]); rep++)
            for (int ci : cis) for (int co : cos) for (int h : hs) for (int k : new int[]{1,3}) for (int st : new int[]{1,2}) {
                int b = 4, p = k/2;
                int oh = (h + 2*p - k)/st + 1;
                float[] x = new float[b*ci*h*h]; for (int i=0;i<x.length;i++) x[i]=(float)r.nextGaussian();
                float[] w = new float[co*ci*k*k]; for (int i=0;i<w.length;i++) w[i]=(float)r.nextGaussian()*0.3f;
                float[] g = new float[b*co*oh*oh]; for (int i=0;i<g.length;i++) g[i]=(float)r.nextGaussian();
                double[] dx = new double[x.length], dw = new double[w.length];
                for (int n=0;n<b;n++) for(int o=0;o<co;o++) for(int i=0;i<oh;i++) for(int j=0;j<oh;j++){ double gg=g[((n*co+o)*oh+i)*oh+j];
                  for(int c=0;c<ci;c++) for(int u=0;u<k;u++) for(int v=0;v<k;v++){ int yy=i*st+u-p, xx=j*st+v-p; if(yy<0||yy>=h||xx<0||xx>=h) continue;
                    dx[((n*ci+c)*h+yy)*h+xx]+=gg*w[((o*ci+c)*k+u)*k+v]; dw[((o*ci+c)*k+u)*k+v]+=gg*x[((n*ci+c)*h+yy)*h+xx]; }}
                try (NDManager s = m.newSubManager()) {
                    NDArray X = org.ddpm4j.util.Tensors.fromJava(s, x, new Shape(b,ci,h,h)); X.setRequiresGradient(true);
                    NDArray W = org.ddpm4j.util.Tensors.fromJava(s, w, new Shape(co,ci,k,k)); W.setRequiresGradient(true);
                    NDArray B = s.zeros(new Shape(co)); B.setRequiresGradient(true);
                    NDArray G = org.ddpm4j.util.Tensors.fromJava(s, g, new Shape(b,co,oh,oh));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray Y = padded ? org.ddpm4j.model.PaddedConv2d.conv2d(X, W, B, new Shape(st,st), new Shape(p,p), 1)
                                : Conv2d.conv2d(X, W, B, new Shape(st,st), new Shape(p,p), new Shape(1,1), 1).singletonOrThrow();
                        gc.backward(Y.mul(G).sum());
                    }
                    String what = "";
                    float[] gx = X.getGradient().toFloatArray(), gw = W.getGradient().toFloatArray();
                    double ex=0, ew=0;
                    for (int i=0;i<gx.length;i++) ex=Math.max(ex, Double.isFinite(gx[i])? Math.abs(gx[i]-dx[i])/(1+Math.abs(dx[i])) : 1e9);
                    for (int i=0;i<gw.length;i++) ew=Math.max(ew, Double.isFinite(gw[i])? Math.abs(gw[i]-dw[i])/(1+Math.abs(dw[i])) : 1e9);
                    total++;
                    if (ex > 1e-3 || ew > 1e-3) {  bad++; System.out.printf("BAD ci=%d co=%d h=%d k=%d s=%d errX=%.3g errW=%.3g%n",ci,co,h,k,st,ex,ew);}
                }
            }
        }
        System.out.println("backward conv: " + bad + " bad of " + total);
    }
}
