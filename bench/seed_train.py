#!/usr/bin/env python3
"""The seed's own PyTorch training loop (SimpleDenoiseNet, linear schedule, Adam 1e-4, batch 64), timed.

It reads the same embedded MNIST digits as ddpm4j (no torchvision, no download) and prints one JSON line:
{"impl": "pytorch", "images_per_s": ..., "steps": ..., "threads": ...}.

Usage: python3 bench/seed_train.py [--steps 100] [--warmup 10] [--threads 2] [--digit 1]
Needs PyTorch (Debian: apt-get install python3-torch; run it with /usr/bin/python3).
"""
import argparse
import gzip
import json
import os
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "src", "main", "resources", "org", "ddpm4j", "data", "mnist")


def load_digit(digit):
    with gzip.open(os.path.join(DATA, "images-idx3-ubyte.gz")) as f:
        raw = f.read()
    n, rows, cols = struct.unpack(">III", raw[4:16])
    with gzip.open(os.path.join(DATA, "labels-idx1-ubyte.gz")) as f:
        labels = f.read()[8:]
    x = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).view(n, 1, rows, cols)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8)
    x = x[y == digit].float() / 255.0 * 2.0 - 1.0  # ToTensor, then x * 2 - 1
    return x


# ---- the seed's code, verbatim in substance ----
def get_beta_schedule(T, beta_start=1e-4, beta_end=0.02):
    return torch.linspace(beta_start, beta_end, T)


class Diffusion:
    def __init__(self, T=1000, device="cpu"):
        self.T = T
        self.device = device
        self.betas = get_beta_schedule(T).to(device)
        self.alphas = 1.0 - self.betas
        self.alphas_bars = torch.cumprod(self.alphas, dim=0)

    def q_sample(self, x0, t, noise=None):
        if noise is None:
            noise = torch.randn_like(x0)
        sqrt_alph_bar = torch.sqrt(self.alphas_bars[t]).view(-1, 1, 1, 1)
        sqrt_one_minus_alph_bar = torch.sqrt(1 - self.alphas_bars[t]).view(-1, 1, 1, 1)
        return sqrt_alph_bar * x0 + sqrt_one_minus_alph_bar * noise


class SimpleDenoiseNet(nn.Module):
    def __init__(self, img_channels=1):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(img_channels + 1, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(),
            nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(),
            nn.Conv2d(128, img_channels, 3, padding=1),
        )

    def forward(self, x, t):
        t_embed = t[:, None, None, None].float() / 1000
        t_embed = t_embed.expand(-1, 1, x.shape[2], x.shape[3])
        return self.net(torch.cat([x, t_embed], dim=1))
# ---- end of the seed's code ----


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--digit", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    data = load_digit(a.digit)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data), batch_size=64, shuffle=True)
    model = SimpleDenoiseNet()
    diffusion = Diffusion(T=1000, device="cpu")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()
    images = 0
    step = 0
    start = None
    while step < a.warmup + a.steps:
        for (x0,) in loader:
            if step == a.warmup:
                start = time.perf_counter()
                images = 0
            t = torch.randint(0, diffusion.T, (x0.size(0),))
            noise = torch.randn_like(x0)
            xt = diffusion.q_sample(x0, t, noise)
            loss = F.mse_loss(model(xt, t), noise)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()
            images += x0.size(0)
            step += 1
            if step == a.warmup + a.steps:
                break
    secs = time.perf_counter() - start
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "steps": a.steps, "images_per_s": round(images / secs, 1)}))


if __name__ == "__main__":
    main()
