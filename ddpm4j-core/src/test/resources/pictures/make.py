#!/usr/bin/env python3
"""Writes the golden picture files for ImageReadingTest with an encoder independent of Java: PIL (Pillow).

Every FILE gets FILE.raw beside it: the pixel values a reader must return, 8-bit, row-major, channels
interleaved (1 = gray, 3 = RGB), computed here from the arrays that were encoded (alpha composited over
black: round(255 * v/vmax * a/amax); 16-bit scaled: round(v / 257)). Lossy JPEG files take PIL's own decoding
of the written file as the expectation. expected.tsv lists file, width, height, channels.

Run from this folder with Debian's python3 and python3-pil (no network needed): python3 make.py
"""
import numpy as np
from PIL import Image

W, H = 7, 5  # odd sizes catch stride and transposition mistakes
rng = np.random.default_rng(20261202)
rows = []


def gray_values():
    v = rng.integers(0, 256, size=(H, W), dtype=np.uint8)
    # the values that the linear-gray-to-sRGB pitfall moves most (56 -> 129, 18 -> 75), and both ends
    v.flat[:7] = [0, 18, 56, 105, 166, 220, 255]
    return v


def save(img, name, expected, **opts):
    img.save(name, **opts)
    e = np.ascontiguousarray(expected.astype(np.uint8))
    ch = 1 if e.ndim == 2 else e.shape[2]
    e.tofile(name + ".raw")
    rows.append(f"{name}\t{W}\t{H}\t{ch}")


def over_black(v, a, vmax=255.0, amax=255.0):
    return np.floor(255.0 * (v / vmax) * (a / amax) + 0.5)


g = gray_values()
save(Image.fromarray(g, "L"), "gray8.png", g)

g16 = rng.integers(0, 65536, size=(H, W), dtype=np.uint16)
g16.flat[:6] = [0, 128, 129, 385, 65407, 65535]  # rounding edges of v / 257
save(Image.fromarray(g16, "I;16"), "gray16.png", np.floor(g16 / 257.0 + 0.5))

a = rng.integers(0, 256, size=(H, W), dtype=np.uint8)
a.flat[:3] = [0, 255, 128]
save(Image.fromarray(np.dstack([g, a]), "LA"), "gray_alpha.png", over_black(g.astype(float), a.astype(float)))

bits = (rng.integers(0, 2, size=(H, W)) * 255).astype(np.uint8)
save(Image.fromarray(bits, "L").convert("1"), "bilevel.png", bits)

rgb = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
rgb[0, :7] = [[0, 0, 0], [18, 56, 105], [166, 220, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]
save(Image.fromarray(rgb, "RGB"), "rgb.png", rgb)

rgba = np.dstack([rgb, a])
save(Image.fromarray(rgba, "RGBA"), "rgba.png", over_black(rgb.astype(float), a[:, :, None].astype(float)))

# a palette of 16 colours, and the same with per-entry transparency (tRNS)
pal = rng.integers(0, 256, size=(16, 3), dtype=np.uint8)
idx = rng.integers(0, 16, size=(H, W), dtype=np.uint8)
p = Image.fromarray(idx, "P")
p.putpalette(pal.flatten().tolist())
save(p, "palette.png", pal[idx])
palpha = rng.integers(0, 256, size=16, dtype=np.uint8)
palpha[0] = 0
save(p, "palette_alpha.png", over_black(pal[idx].astype(float), palpha[idx][:, :, None].astype(float)),
     transparency=bytes(palpha.tolist()))

# a single transparent gray value / colour (tRNS on non-palette images)
gt = g.copy()
gt.flat[10:13] = 56
save(Image.fromarray(gt, "L"), "gray_trns.png", np.where(gt == 56, 0, gt), transparency=56)
rt = rgb.copy()
rt[2, 1:4] = [10, 20, 30]
mask = np.all(rt == [10, 20, 30], axis=2)
save(Image.fromarray(rt, "RGB"), "rgb_trns.png", np.where(mask[:, :, None], 0, rt), transparency=(10, 20, 30))

# baseline JPEG: lossy, so the expectation is PIL's (libjpeg-turbo's) decoding of the file
Image.fromarray(g, "L").save("gray.jpg", quality=90)
save(Image.fromarray(g, "L"), "gray.jpg", np.asarray(Image.open("gray.jpg")), quality=90)
Image.fromarray(rgb, "RGB").save("rgb.jpg", quality=95, subsampling=0)
save(Image.fromarray(rgb, "RGB"), "rgb.jpg", np.asarray(Image.open("rgb.jpg").convert("RGB")), quality=95, subsampling=0)

save(Image.fromarray(rgb, "RGB"), "rgb.bmp", rgb)
save(Image.fromarray(g, "L"), "gray.bmp", g)  # an 8-bit BMP with a gray palette
save(p, "palette.bmp", pal[idx])

save(Image.fromarray(g, "L"), "gray.gif", g)
save(p, "palette.gif", pal[idx])

# a real-looking digit for the inpainting test: 8x8, mid-grey strokes on black; and its mask (white = regenerate)
d = np.zeros((8, 8), dtype=np.uint8)
d[1:7, 3] = [56, 105, 166, 220, 166, 105]
d[1, 2:6] = [18, 56, 105, 56]
d[6, 2:6] = [105, 220, 220, 105]
d[3:5, 5] = [166, 220]
Image.fromarray(d, "L").save("digit8.png")
d.tofile("digit8.png.raw")
m = np.zeros((8, 8), dtype=np.uint8)
m[:, :4] = 255
Image.fromarray(m, "L").save("digit8-mask.png")

with open("expected.tsv", "w") as f:
    f.write("\n".join(rows) + "\n")
