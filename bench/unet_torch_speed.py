#!/usr/bin/env python3
"""PyTorch reference of ddpm4j's default U-Net training step, for images/s against ./ddpm train on the same machine.

The same network as org.ddpm4j.model.UNet with UNetConfig's defaults (base 32, mults 1-2-2, two residual blocks
per level, GroupNorm(8), SiLU, sinusoidal time embedding and a 2-layer MLP, 4-head self-attention at the 7x7 level
and in the middle, nearest upsampling then a 3x3 convolution); its parameter count is checked against ddpm4j's
(1,623,169 unconditional). One step is what DiffusionTrainer does: t uniform, Gaussian noise, x_t in closed form
(cosine schedule), v target, min-SNR-5 weighted MSE, backward, the global gradient norm, clipping to 1, AdamW
(lr 1e-3, no weight decay) and an EMA of 0.999. fp32, eager, batch 64, on random 28x28 images (the data does not
change the cost). Run with Debian's python3-torch (1.13):

    /usr/bin/python3 bench/unet_torch_speed.py [STEPS=30] [THREADS=2] [--foreach]

Prints one JSON line: median and mean ms per step over STEPS timed steps after 5 warm-up steps, and images/s.
--foreach uses torch.optim.AdamW(foreach=True) (PyTorch's multi-tensor optimizer); the default is the plain loop.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

args = [a for a in sys.argv[1:] if not a.startswith('--')]
STEPS = int(args[0]) if args else 30
THREADS = int(args[1]) if len(args) > 1 else 2
FOREACH = '--foreach' in sys.argv
torch.set_num_threads(THREADS)
torch.manual_seed(0)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim, groups=8):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(tdim, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.norm2(h + self.time(temb)[:, :, None, None])
        h = self.conv2(F.silu(h))
        return h + (self.skip(x) if self.skip is not None else x)


class SelfAttention(nn.Module):
    def __init__(self, ch, heads=4, groups=8):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        n, d = hh * ww, c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(b, 3, self.heads, d, n)
        q, k, v = qkv[:, 0].transpose(2, 3), qkv[:, 1], qkv[:, 2].transpose(2, 3)
        attn = (q @ k * (1.0 / math.sqrt(d))).softmax(-1)
        o = (attn @ v).transpose(2, 3).reshape(b, c, hh, ww)
        return x + self.proj(o)


class UNet(nn.Module):
    def __init__(self, channels=1, base=32, mults=(1, 2, 2), blocks=2, attention=(2,), groups=8, heads=4):
        super().__init__()
        self.base = base
        tdim = 4 * base
        self.inc = nn.Conv2d(channels, base, 3, padding=1)
        self.time1 = nn.Linear(base, tdim)
        self.time2 = nn.Linear(tdim, tdim)
        self.down = nn.ModuleList()
        skips = [base]
        ch = base
        for i, m in enumerate(mults):
            out = base * m
            for _ in range(blocks):
                self.down.append(ResBlock(ch, out, tdim, groups))
                ch = out
                if i in attention:
                    self.down.append(SelfAttention(ch, heads, groups))
                skips.append(ch)
            if i < len(mults) - 1:
                self.down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
        self.mid1 = ResBlock(ch, ch, tdim, groups)
        self.mid_attn = SelfAttention(ch, heads, groups)
        self.mid2 = ResBlock(ch, ch, tdim, groups)
        self.up = nn.ModuleList()
        for i in reversed(range(len(mults))):
            out = base * mults[i]
            for _ in range(blocks + 1):
                self.up.append(ResBlock(ch + skips.pop(), out, tdim, groups))
                ch = out
                if i in attention:
                    self.up.append(SelfAttention(ch, heads, groups))
            if i > 0:
                self.up.append(nn.Conv2d(ch, ch, 3, padding=1))
        self.out_norm = nn.GroupNorm(groups, ch)
        self.out = nn.Conv2d(ch, channels, 3, padding=1)

    def features(self, t):
        half = self.base // 2
        freq = torch.exp(-math.log(10000.0) * torch.arange(half) / (half - 1))
        a = t[:, None] * freq[None]
        return torch.cat([a.sin(), a.cos()], 1)

    def forward(self, x, t):
        temb = F.silu(self.time2(F.silu(self.time1(self.features(t)))))
        h = self.inc(x)
        skips = [h]
        for blk in self.down:
            if isinstance(blk, ResBlock):
                h = blk(h, temb)
                skips.append(h)
            elif isinstance(blk, SelfAttention):
                h = blk(h)
                skips[-1] = h
            else:
                h = blk(h)
                skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb)), temb)
        for blk in self.up:
            if isinstance(blk, ResBlock):
                h = blk(torch.cat([h, skips.pop()], 1), temb)
            elif isinstance(blk, SelfAttention):
                h = blk(h)
            else:
                h = blk(F.interpolate(h, scale_factor=2, mode='nearest'))
        return self.out(F.silu(self.out_norm(h)))


net = UNet()
params = sum(p.numel() for p in net.parameters())
assert params == 1_623_169, f'{params} parameters, ddpm4j has 1,623,169'
ema = [p.detach().clone() for p in net.parameters()]
opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.0, foreach=FOREACH)

T = 1000
s = 0.008
steps = torch.arange(T + 1, dtype=torch.float64) / T
f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
alpha_bar = (f / f[0]).clamp(min=1e-12)
betas = (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=0.999)
ab = torch.cumprod(1 - betas, 0).float()

x0 = torch.rand(64, 1, 28, 28) * 2 - 1


def step():
    t = torch.randint(0, T, (64,))
    noise = torch.randn_like(x0)
    a = ab[t].sqrt()[:, None, None, None]
    sgm = (1 - ab[t]).sqrt()[:, None, None, None]
    xt = a * x0 + sgm * noise
    v = a * noise - sgm * x0
    snr = ab[t] / (1 - ab[t])
    w = snr.clamp(max=5.0) / (snr + 1)
    pred = net(xt, t.float())
    loss = ((pred - v) ** 2).reshape(64, -1).mean(1).mul(w).mean()
    opt.zero_grad(set_to_none=False)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)  # 1.13 has no foreach variant
    opt.step()
    with torch.no_grad():
        if FOREACH:
            torch._foreach_mul_(ema, 0.999)
            torch._foreach_add_(ema, list(net.parameters()), alpha=0.001)
        else:
            for e, p in zip(ema, net.parameters()):
                e.mul_(0.999).add_(p, alpha=0.001)


for _ in range(5):
    step()
ms = []
for _ in range(STEPS):
    t0 = time.perf_counter()
    step()
    ms.append((time.perf_counter() - t0) * 1000)
med = statistics.median(ms)
print(json.dumps({'bench': 'pytorch-unet', 'torch': torch.__version__, 'threads': THREADS, 'foreach': FOREACH,
                  'steps': STEPS, 'median_ms_per_step': round(med, 1), 'mean_ms_per_step': round(statistics.mean(ms), 1),
                  'images_per_s': round(64000 / med, 1)}))
