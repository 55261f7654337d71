package org.ddpm4j.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/** Minimal line plots (loss curves, FID against steps) drawn with Java2D, no plotting library. */
public final class Plots {

    private Plots() {}

    /** One named series of (x, y) points. */
    public record Series(String name, double[] x, double[] y, Color color) {}

    /**
     * Draws the series on shared axes.
     *
     * @param logY use a log10 y axis (all y must be positive)
     */
    public static BufferedImage lines(String title, String xLabel, String yLabel, List<Series> series, boolean logY, boolean logX) {
        int w = 720;
        int h = 420;
        int left = 70;
        int right = 20;
        int top = 36;
        int bottom = 50;
        double x0 = Double.MAX_VALUE;
        double x1 = -Double.MAX_VALUE;
        double y0 = Double.MAX_VALUE;
        double y1 = -Double.MAX_VALUE;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double xv = tx(s.x()[i], logX);
                double yv = tx(s.y()[i], logY);
                if (Double.isFinite(xv) && Double.isFinite(yv)) {
                    x0 = Math.min(x0, xv);
                    x1 = Math.max(x1, xv);
                    y0 = Math.min(y0, yv);
                    y1 = Math.max(y1, yv);
                }
            }
        }
        if (x0 == Double.MAX_VALUE) {
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y1 = y0 + 1;
        }
        double pad = (y1 - y0) * 0.05;
        y0 -= pad;
        y1 += pad;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(230, 230, 230));
        int pw = w - left - right;
        int ph = h - top - bottom;
        for (int i = 0; i <= 4; i++) {
            int yy = top + ph * i / 4;
            g.drawLine(left, yy, left + pw, yy);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, pw, ph);
        text(g, title, left, 22, 15);
        text(g, xLabel, left + pw / 2 - 30, h - 12, 12);
        for (int i = 0; i <= 4; i++) {
            double yv = y1 - (y1 - y0) * i / 4;
            text(g, fmt(logY ? Math.pow(10, yv) : yv), 4, top + ph * i / 4 + 4, 11);
            double xv = x0 + (x1 - x0) * i / 4;
            text(g, fmt(logX ? Math.pow(10, xv) : xv), left + pw * i / 4 - 12, top + ph + 16, 11);
        }
        text(g, yLabel, 4, top - 6, 11);
        int ly = top + 16;
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(1.8f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < s.x().length; i++) {
                double xv = tx(s.x()[i], logX);
                double yv = tx(s.y()[i], logY);
                if (!Double.isFinite(xv) || !Double.isFinite(yv)) {
                    continue;
                }
                int cx = left + (int) Math.round((xv - x0) / (x1 - x0) * pw);
                int cy = top + (int) Math.round((y1 - yv) / (y1 - y0) * ph);
                if (px >= 0) {
                    g.drawLine(px, py, cx, cy);
                }
                if (s.x().length <= 20) {
                    g.fillOval(cx - 3, cy - 3, 6, 6);
                }
                px = cx;
                py = cy;
            }
            g.fillRect(left + pw - 170, ly - 8, 14, 4);
            text(g, s.name(), left + pw - 150, ly, 12);
            g.setColor(s.color());
            ly += 16;
        }
        g.dispose();
        return img;
    }

    private static double tx(double v, boolean log) {
        return log ? (v > 0 ? Math.log10(v) : Double.NaN) : v;
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 0.1 || a == 0) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.1e", v);
    }

    private static void text(Graphics2D g, String s, int x, int y, int size) {
        try {
            Color c = g.getColor();
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            g.drawString(s, x, y);
            g.setColor(c);
        } catch (RuntimeException | Error e) {
            // no fonts on this machine: the plot still has its lines
        }
    }
}
