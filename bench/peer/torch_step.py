#!/usr/bin/env python3
"""The benchmark's PyTorch peer: the training step of one benchmark shape, in PyTorch on the CPU.

The same model (MAE or SimMIM with a linear patch stem and head, pre-norm ViT blocks, exact GELU,
LayerNorm eps 1e-6, fixed sin-cos positions), the same masked-patch MSE on per-patch normalised
targets, the same random masking ratio and AdamW (decay on matrices only), at the same batch
size, on random images of the same size. A step is what the library's trainer times: take a
batch, cut patches, normalise targets, sample the mask, forward, loss, backward, update, read the
loss back.

Protocol (one JSON object per line):
  argv[1]    the shape spec, JSON (see bench/src/peer.ts: PeerSpec)
  stdout     {"ready": true, "torch": VERSION, "params": N, "matmulGflops": G} once the model is built
  stdin      {"threads": T}  ->  stdout {"ms": STEP_MS, "cpuMs": PROCESS_CPU_MS, "loss": LOSS, "threads": T}
  stdin      {"memory": true} -> stdout {"maxRssMB": PEAK_RSS}
  stdin EOF  exits
Any failure prints {"error": MESSAGE} and exits with status 1.
"""
import json
import math
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the caller checks for torch first; this is the backstop
    print(json.dumps({"error": f"cannot import torch: {e}"}), flush=True)
    sys.exit(1)

LAYER_NORM_EPS = 1e-6
NORM_PIX_EPS = 1e-6


def sincos_positions(rows, cols, width):
    """2-D sin-cos encodings [rows*cols, width] (MAE's): half the width for each grid axis."""
    def one_axis(pos, dim):
        omega = 1.0 / (10000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim / 2.0)))
        out = pos.reshape(-1, 1).double() * omega.reshape(1, -1)
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)
    gy, gx = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
    return torch.cat([one_axis(gy, width // 2), one_axis(gx, width // 2)], dim=1).float()


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        B, T, W = x.shape
        dh = W // self.heads
        q, k, v = self.qkv(x).reshape(B, T, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        probs = torch.softmax((q * dh ** -0.5) @ k.transpose(-2, -1), dim=-1)
        return self.proj((probs @ v).transpose(1, 2).reshape(B, T, W))


class Block(nn.Module):
    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        hidden = round(width * mlp_ratio)
        self.norm1 = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, eps=LAYER_NORM_EPS)
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


def stack(width, depth, heads, mlp_ratio):
    return nn.ModuleList([Block(width, heads, mlp_ratio) for _ in range(depth)]), nn.LayerNorm(width, eps=LAYER_NORM_EPS)


def run_stack(blocks, norm, x):
    for b in blocks:
        x = b(x)
    return norm(x)


class MaskedModel(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.kind = s["kind"]
        token_dim = s["patch"] ** 2 * s["channels"]
        rows, cols = s["height"] // s["patch"], s["width"] // s["patch"]
        self.embed = nn.Linear(token_dim, s["modelWidth"])
        self.register_buffer("positions", sincos_positions(rows, cols, s["modelWidth"]))
        self.blocks, self.norm = stack(s["modelWidth"], s["depth"], s["heads"], s["mlpRatio"])
        self.mask_token = nn.Parameter(torch.randn(s["decoderWidth"] if self.kind == "mae" else s["modelWidth"]) * 0.02)
        if self.kind == "mae":
            self.decoder_embed = nn.Linear(s["modelWidth"], s["decoderWidth"])
            self.register_buffer("decoder_positions", sincos_positions(rows, cols, s["decoderWidth"]))
            self.decoder_blocks, self.decoder_norm = stack(s["decoderWidth"], s["decoderDepth"], s["decoderHeads"], s["mlpRatio"])
            self.head = nn.Linear(s["decoderWidth"], token_dim)
        else:
            self.head = nn.Linear(s["modelWidth"], token_dim)

    def forward(self, tokens, mask, keep, restore):
        """tokens [B, N, D]; mask [B, N] 1 = masked; keep [B, K] visible indices; restore [B, N]."""
        x = self.embed(tokens)
        if self.kind == "simmim":
            m = mask.unsqueeze(-1)
            x = x * (1 - m) + self.mask_token * m
            return self.head(run_stack(self.blocks, self.norm, x + self.positions))
        B, N, W = x.shape
        x = x + self.positions
        visible = torch.gather(x, 1, keep.unsqueeze(-1).expand(-1, -1, W))
        y = self.decoder_embed(run_stack(self.blocks, self.norm, visible))
        dw = y.shape[-1]
        y = torch.cat([y, self.mask_token.expand(B, N - keep.shape[1], dw)], dim=1)
        y = torch.gather(y, 1, restore.unsqueeze(-1).expand(-1, -1, dw)) + self.decoder_positions
        return self.head(run_stack(self.decoder_blocks, self.decoder_norm, y))


def matmul_gflops():
    """One thread's rate on a [512, 512] x [512, 512] product: ~1 means the reference BLAS, not OpenBLAS."""
    torch.set_num_threads(1)
    a, b = torch.rand(512, 512), torch.rand(512, 512)
    a @ b
    t0 = time.perf_counter()
    for _ in range(5):
        a @ b
    return round(5 * 2 * 512 ** 3 / (time.perf_counter() - t0) / 1e9, 2)


def main():
    s = json.loads(sys.argv[1])
    torch.manual_seed(s.get("seed", 0))
    model = MaskedModel(s)
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    o = s["optimizer"]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": o["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"],
    )
    B, C, H, W, p = s["batchSize"], s["channels"], s["height"], s["width"], s["patch"]
    images = torch.rand(s["trainSize"], H, W, C)
    rows, cols = H // p, W // p
    N = rows * cols
    masked = int(round(s["maskRatio"] * N))
    position = [0]

    def step():
        start = position[0] % (s["trainSize"] // B) * B
        position[0] += 1
        batch = images[start:start + B]
        # patchify as the library: [B, rows, p, cols, p, C] -> [B, N, p*p*C], (py, px, c) order
        patches = batch.reshape(B, rows, p, cols, p, C).permute(0, 1, 3, 2, 4, 5).reshape(B, N, p * p * C)
        if s["normPix"]:
            mean = patches.mean(-1, keepdim=True)
            var = patches.var(-1, unbiased=False, keepdim=True)
            targets = (patches - mean) / torch.sqrt(var + NORM_PIX_EPS)
        else:
            targets = patches
        shuffle = torch.argsort(torch.rand(B, N), dim=1)
        restore = torch.argsort(shuffle, dim=1)
        keep = shuffle[:, : N - masked]
        mask = torch.ones(B, N)
        mask[:, : N - masked] = 0
        mask = torch.gather(mask, 1, restore)
        pred = model(patches, mask, keep, restore)
        loss = (((pred - targets) ** 2).mean(-1) * mask).sum() / mask.sum().clamp(min=1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    print(json.dumps({"ready": True, "torch": torch.__version__, "params": sum(q.numel() for q in model.parameters()), "matmulGflops": matmul_gflops()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req.get("memory"):
            print(json.dumps({"maxRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}), flush=True)
            continue
        threads = int(req["threads"])
        torch.set_num_threads(threads)
        t0, c0 = time.perf_counter(), time.process_time()
        loss = step()
        ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        if not math.isfinite(loss):
            raise RuntimeError(f"non-finite loss {loss}")
        print(json.dumps({"ms": ms, "cpuMs": cpu_ms, "loss": loss, "threads": threads}), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the caller, which reports it
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)
        sys.exit(1)
