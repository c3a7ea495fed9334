"""Reference NeuMF (He et al. 2017) in PyTorch, to compare @recforge/ncf with at equal settings.

GMF 8 factors, MLP 32+32 -> [64, 32, 16, 8], Adam 0.001, batch 256, 4 uniform negatives per
positive redrawn every epoch (never an item of the user), binary cross-entropy, N(0, 0.01)
embeddings and Glorot-uniform dense layers, no pretraining. It reads the TSV files that
export-split.ts writes and prints one JSON line per epoch: seconds, loss and, on the loo-sampled
split, HR@10 and NDCG@10 over the same 100 candidates per user that `recforge evaluate` ranks.

  python3 packages/ncf/bench/reference/neumf_torch.py <dir> [--epochs 20] [--threads 1] [--data loo|ml100k]
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tooling" / "bench"))
from reference_common import add_run_args, read_pairs, seeded  # noqa: E402


class NeuMF(nn.Module):
    def __init__(self, n_users, n_items, factors=8, layers=(64, 32, 16, 8)):
        super().__init__()
        e = layers[0] // 2
        self.gu = nn.Embedding(n_users, factors)
        self.gi = nn.Embedding(n_items, factors)
        self.mu = nn.Embedding(n_users, e)
        self.mi = nn.Embedding(n_items, e)
        mlp = []
        for a, b in zip(layers[:-1], layers[1:]):
            mlp += [nn.Linear(a, b), nn.ReLU()]
        self.mlp = nn.Sequential(*mlp)
        self.out = nn.Linear(factors + layers[-1], 1)
        for emb in (self.gu, self.gi, self.mu, self.mi):
            nn.init.normal_(emb.weight, std=0.01)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, u, i):
        g = self.gu(u) * self.gi(i)
        h = self.mlp(torch.cat([self.mu(u), self.mi(i)], dim=1))
        return self.out(torch.cat([g, h], dim=1)).squeeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--data", choices=["loo", "ml100k"], default="loo")
    add_run_args(ap)
    a = ap.parse_args()
    rng = seeded(a)
    n_users, n_items, users, items = read_pairs(f"{a.dir}/{'loo-train' if a.data == 'loo' else 'ml100k-train'}.tsv")
    seen = set(zip(users.tolist(), items.tolist()))
    test = None
    if a.data == "loo":
        rows = [list(map(int, line.split("\t"))) for line in open(f"{a.dir}/loo-test.tsv") if line.strip()]
        test = (torch.tensor([r[0] for r in rows]), torch.tensor([r[1] for r in rows]), torch.tensor([r[2:] for r in rows]))
    model = NeuMF(n_users, n_items)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.BCEWithLogitsLoss()
    neg = 4
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        # 4 uniform negatives per positive, redrawn while they hit an item of the user
        nu = np.repeat(users, neg)
        ni = rng.integers(0, n_items, size=nu.shape[0])
        bad = np.fromiter(((u, i) in seen for u, i in zip(nu.tolist(), ni.tolist())), dtype=bool, count=nu.shape[0])
        while bad.any():
            ni[bad] = rng.integers(0, n_items, size=int(bad.sum()))
            idx = np.nonzero(bad)[0]
            bad[idx] = np.fromiter(((int(nu[j]), int(ni[j])) in seen for j in idx), dtype=bool, count=idx.shape[0])
        u_all = torch.from_numpy(np.concatenate([users, nu]))
        i_all = torch.from_numpy(np.concatenate([items, ni]))
        y_all = torch.cat([torch.ones(users.shape[0]), torch.zeros(nu.shape[0])])
        perm = torch.from_numpy(rng.permutation(u_all.shape[0]))
        sample_seconds = time.perf_counter() - t0
        model.train()
        total = 0.0
        for s in range(0, perm.shape[0], 256):
            b = perm[s : s + 256]
            opt.zero_grad()
            loss = loss_fn(model(u_all[b], i_all[b]), y_all[b])
            loss.backward()
            opt.step()
            total += loss.item() * b.shape[0]
        seconds = time.perf_counter() - t0
        out = {"epoch": epoch, "seconds": round(seconds, 3), "sampleSeconds": round(sample_seconds, 3), "loss": round(total / perm.shape[0], 5), "threads": torch.get_num_threads()}
        if test is not None:
            model.eval()
            with torch.no_grad():
                tu, tpos, cands = test
                scores = model(tu.repeat_interleave(cands.shape[1]), cands.reshape(-1)).reshape(cands.shape)
                pos = scores[torch.arange(cands.shape[0]), (cands == tpos[:, None]).float().argmax(1)]
                rank = (scores > pos[:, None]).sum(1)
                hit = rank < 10
                out["hr@10"] = round(hit.float().mean().item(), 6)
                out["ndcg@10"] = round(torch.where(hit, 1 / torch.log2(rank.float() + 2), torch.zeros(1)).mean().item(), 6)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
