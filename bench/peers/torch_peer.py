#!/usr/bin/env python3
"""PyTorch peer of the core benchmark (bench/core.ts drives it; optional).

Loads the weights that bench/peers/export.ts wrote from a converted spiking TextCNN (.snn) and
runs, on the CPU with one thread:

  ann  the tailored float ANN TextCNN (embedding -> conv1d per width -> ReLU -> masked mean
       over positions -> linear with rows dense_b / theta_b -> ReLU -> mean over the class
       population), as compiler/train/convert.ts annForward computes it;
  snn  a snnTorch-style dense SNN: the same graph simulated over T steps with plain torch ops
       and the same integrate-and-fire dynamics as compiler/train/snn-tfjs.ts (deterministic
       rate encoder, then per LIF layer: leak, integrate, fire, reset; spike counts summed per
       class). The snnTorch package is not needed: its Leaky neuron is these few ops.

Protocol: one JSON command per line on stdin, one JSON answer per line on stdout, so that the
benchmark can interleave the peer's timed repetitions with its own engines:

  {"cmd": "info"}
  {"cmd": "predict", "engine": "ann"|"snn", "set": "all"|"timing", "batch": 256, "T": 16}
  {"cmd": "time", "engine": "ann"|"snn", "set": "timing", "batch": 1, "T": 16}
      -> {"ms": wall ms of one pass over the set, "n": sentences}
  {"cmd": "quit"}

Each timed pass goes from token-id lists to labels (tensors built inside the pass, as the
Node engines do). Usage: torch_peer.py DIR (meta.json, *.npy and ids.json from bench/core.ts).
"""

import json
import os
import re
import sys
import time

# One thread for every pool PyTorch or the BLAS may start (set before importing torch).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


class Peer:
    def __init__(self, folder):
        with open(os.path.join(folder, "meta.json")) as f:
            self.meta = m = json.load(f)
        with open(os.path.join(folder, "ids.json")) as f:
            self.sets = json.load(f)
        self.table = torch.from_numpy(np.load(os.path.join(folder, m["table"])))
        self.K = m["classes"] * m["population"]
        self.branches = []
        for b in m["branches"]:
            conv = torch.from_numpy(np.load(os.path.join(folder, b["conv"])))  # [k, D, maps]
            dense = torch.from_numpy(np.load(os.path.join(folder, b["dense"])))  # [maps, K]
            k = b["width"]
            self.branches.append(
                {
                    "k": k,
                    "left": (k - 1) >> 1,
                    "right": k - 1 - ((k - 1) >> 1),
                    # conv1d weight [out, in, k]: w[m, d, j] = conv[j, d, m]
                    "w": conv.permute(2, 1, 0).contiguous(),
                    "dense": dense.contiguous(),
                    "dense_ann": (dense / b["threshold"]).contiguous(),
                    "theta": b["threshold"],
                    "beta": b["beta"],
                    "reset": b["reset"],
                }
            )

    def batch(self, rows):
        """Padded ids [B, L], mask [B, L] and lengths [B], as makeBatch builds them."""
        max_len = self.meta["maxLen"]
        rows = [r[:max_len] if r else [0] for r in rows]
        n = [max(1, len(r)) for r in rows]
        L = max(n)
        ids = torch.zeros((len(rows), L), dtype=torch.long)
        mask = torch.zeros((len(rows), L), dtype=torch.float32)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            mask[i, : n[i]] = 1
        return ids, mask, torch.tensor(n, dtype=torch.float32)

    def ann(self, rows):
        """Class logits [B, classes]."""
        ids, mask, n = self.batch(rows)
        B = ids.shape[0]
        x = F.embedding(ids, self.table).transpose(1, 2)  # [B, D, L]
        z = torch.zeros((B, self.K))
        for br in self.branches:
            a = torch.relu(F.conv1d(F.pad(x, (br["left"], br["right"])), br["w"]))  # [B, maps, L]
            pooled = (a * mask[:, None, :]).sum(2) / n[:, None]
            z = z + pooled @ br["dense_ann"]
        return torch.relu(z).view(B, self.meta["classes"], self.meta["population"]).mean(2)

    def snn(self, rows, T):
        """Spike counts per class [B, classes]."""
        if self.meta["encoder"]["scheme"] == "poisson":
            raise ValueError("the Poisson encoder is not replicated by the PyTorch peer")
        ids, mask, n = self.batch(rows)
        B = ids.shape[0]
        value = F.embedding(ids, self.table).transpose(1, 2)  # [B, D, L]
        acc = torch.full_like(value, 0.5)
        pos = mask[:, None, :]
        v_conv = [torch.zeros((B, br["w"].shape[0], ids.shape[1])) for br in self.branches]
        out = self.meta["output"]
        theta_o = (out["threshold"] * n)[:, None]
        v_out = torch.zeros((B, self.K))
        counts = torch.zeros((B, self.K))

        def lif(v, i, theta, beta, reset, m=None):
            v = v + i if beta == 1 else v * beta + i
            s = (v >= theta).float()
            if m is not None:
                s = s * m
            return s, (v - s * theta if reset == "subtract" else v * (1 - s))

        for _ in range(T):
            a = acc + value
            s_in = (a >= 1).float()
            acc = a - s_in
            i_out = torch.zeros((B, self.K))
            for j, br in enumerate(self.branches):
                cur = F.conv1d(F.pad(s_in, (br["left"], br["right"])), br["w"])
                s, v_conv[j] = lif(v_conv[j], cur, br["theta"], br["beta"], br["reset"], pos)
                i_out = i_out + s.sum(2) @ br["dense"]
            s_out, v_out = lif(v_out, i_out, theta_o, out["beta"], out["reset"])
            counts = counts + s_out
        return counts.view(B, self.meta["classes"], self.meta["population"]).sum(2)

    def run(self, engine, rows, T):
        return self.ann(rows) if engine == "ann" else self.snn(rows, T)

    def passes(self, engine, rows, batch, T):
        outs = []
        with torch.inference_mode():
            for i in range(0, len(rows), batch):
                outs.append(self.run(engine, rows[i : i + batch], T))
        return outs


def first_argmax(scores):
    """Index of the first maximum per row (ties go to the lower class, as in snnc)."""
    best = scores.max(1, keepdim=True).values
    idx = torch.arange(scores.shape[1]).expand_as(scores)
    return torch.where(scores == best, idx, scores.shape[1]).min(1).values


def blas_info():
    # build-time settings (Debian's torch says BLAS_INFO=generic: it links libblas.so.3)
    blas = re.findall(r"\b(?:BLAS_INFO|LAPACK_INFO)=[^,\s]+", torch.__config__.show())
    # which BLAS the process really loaded (Debian picks libblas.so.3 by update-alternatives)
    torch.ones(64, 64) @ torch.ones(64, 64)
    loaded = set()
    try:
        with open("/proc/self/maps") as f:
            for ln in f:
                p = ln.split()[-1]
                if "blas" in p.lower() and p.startswith("/"):
                    loaded.add(os.path.realpath(p))
    except OSError:
        pass
    return blas, sorted(loaded)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: torch_peer.py DIR\n")
        return 2
    peer = Peer(sys.argv[1])
    T0 = peer.meta["timesteps"]
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        try:
            c = cmd["cmd"]
            if c == "quit":
                break
            if c == "info":
                blas, loaded = blas_info()
                ans = {
                    "python_version": sys.version.split()[0],
                    "torch": torch.__version__,
                    "numpy": np.__version__,
                    "threads": torch.get_num_threads(),
                    "interop_threads": torch.get_num_interop_threads(),
                    "blas_config": blas,
                    "blas_loaded": loaded,
                    "openblas": any("openblas" in p for p in loaded),
                    "snn_supported": peer.meta["encoder"]["scheme"] != "poisson",
                }
            elif c == "predict":
                rows = peer.sets[cmd["set"]]
                outs = peer.passes(cmd["engine"], rows, cmd.get("batch", 256), cmd.get("T", T0))
                scores = torch.cat(outs)
                ans = {"labels": first_argmax(scores).tolist(), "scores": scores.tolist()}
            elif c == "time":
                rows = peer.sets[cmd["set"]]
                t = time.perf_counter()
                peer.passes(cmd["engine"], rows, cmd["batch"], cmd.get("T", T0))
                ans = {"ms": (time.perf_counter() - t) * 1000, "n": len(rows)}
            else:
                ans = {"error": f"unknown command {c}"}
        except Exception as e:  # answered, so that the benchmark can say what failed
            ans = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
