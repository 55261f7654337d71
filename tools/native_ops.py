"""Writes ddpm4j-core/src/main/resources/org/ddpm4j/model/native-ops.pt, the TorchScript module through which
ddpm4j calls PyTorch kernels that DJL's API does not reach (aten::silu and aten::group_norm, each one fused
kernel forward and one backward, where DJL composes several elementwise ops).

Run from the repository root with any PyTorch >= 1.13 (Debian: apt-get install python3-torch):
    /usr/bin/python3 tools/native_ops.py
The module holds no weights; every method is a pure function of its arguments. ddpm4j loads it once per
process from the jar (model.NativeOps) and checks its results against its own composed ops
(NativeOpsTest), so a changed file cannot change the arithmetic unnoticed.
"""
import os
import torch
import torch.nn.functional as F


class NativeOps(torch.nn.Module):
    @torch.jit.export
    def silu(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(x)

    @torch.jit.export
    def group_norm(self, x: torch.Tensor, groups: int, weight: torch.Tensor, bias: torch.Tensor,
                   eps: float) -> torch.Tensor:
        return F.group_norm(x, groups, weight, bias, eps)

    @torch.jit.export
    def group_norm_silu(self, x: torch.Tensor, groups: int, weight: torch.Tensor, bias: torch.Tensor,
                        eps: float) -> torch.Tensor:
        return F.silu(F.group_norm(x, groups, weight, bias, eps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


if __name__ == '__main__':
    out = os.path.join('ddpm4j-core', 'src', 'main', 'resources', 'org', 'ddpm4j', 'model', 'native-ops.pt')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    torch.jit.script(NativeOps()).save(out)
    print(out, os.path.getsize(out), 'bytes, torch', torch.__version__)
