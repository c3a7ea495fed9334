"""Reference Mult-VAE / Mult-DAE (Liang et al. 2018) in PyTorch, to compare @recforge/autoencoders with
at equal settings on the exact split that export-split.ts writes.

The paper's model as its code has it: binary input, L2-normalised, dropout on the input, tanh
layers, [I -> 600 -> 200] encoder giving the latent mean and log-variance, mirrored decoder,
multinomial log-likelihood, KL weight beta = min(anneal_cap, step / total_anneal_steps) with one
step per batch, Adam, Xavier-uniform weights and N(0, 0.001^2) biases truncated at 2 standard
deviations. The input batch is dense (as the paper's code feeds it). It prints one JSON line
per epoch (seconds of training, mean loss, beta) and, at the end, NDCG@10 and Recall@10 on the
test part ranked over every item the user has no training interaction with (the holdout-full
rules: binary relevance, log2 discounts, ideal DCG over min(10, |relevant|) items, users without
test items skipped).

  python3 multvae_torch.py <dir> [--model vae|dae] [--epochs 100] [--batch 500] [--lr 0.001]
      [--dropout 0.5] [--layers 600,200] [--anneal-cap 0.2] [--anneal-steps 200000] [--l2 0]
      [--seed 42] [--threads 0] [--split holdout-full]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tooling" / "bench"))
from reference_common import add_run_args, holdout_ndcg_recall, read_pairs, seeded  # noqa: E402


class Mult(nn.Module):
    def __init__(self, n_items, layers, variational):
        super().__init__()
        self.variational = variational
        latent = layers[-1]
        enc = [n_items] + layers[:-1] + [2 * latent if variational else latent]
        dec = [latent] + layers[:-1][::-1] + [n_items]
        self.enc = nn.ModuleList(nn.Linear(a, b) for a, b in zip(enc[:-1], enc[1:]))
        self.dec = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dec[:-1], dec[1:]))
        self.latent = latent
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.trunc_normal_(m.bias, std=0.001, a=-0.002, b=0.002)

    def forward(self, x, dropout):
        h = F.dropout(F.normalize(x, dim=1), p=dropout, training=dropout > 0)
        for i, layer in enumerate(self.enc):
            h = layer(h)
            if i < len(self.enc) - 1 or not self.variational:
                h = torch.tanh(h)
        kl = torch.zeros(())
        if self.variational:
            mu, logvar = h[:, : self.latent], h[:, self.latent :]
            kl = torch.mean(torch.sum(0.5 * (-logvar + torch.exp(logvar) + mu**2 - 1), dim=1))
            h = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if dropout > 0 else mu
        for i, layer in enumerate(self.dec):
            h = layer(h)
            if i < len(self.dec) - 1:
                h = torch.tanh(h)
        return h, kl


def ndcg_recall(scores, train_x, test_lists, k=10):
    scores = scores.clone()
    scores[train_x > 0] = -float("inf")
    top = torch.topk(scores, k, dim=1).indices.numpy()
    return holdout_ndcg_recall(top, test_lists, k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--split", default="holdout-full")
    ap.add_argument("--model", choices=["vae", "dae"], default="vae")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--layers", default=None)
    ap.add_argument("--anneal-cap", type=float, default=0.2)
    ap.add_argument("--anneal-steps", type=int, default=200000)
    ap.add_argument("--l2", type=float, default=None)
    add_run_args(ap)
    a = ap.parse_args()
    rng = seeded(a)
    variational = a.model == "vae"
    layers = [int(x) for x in (a.layers or ("600,200" if variational else "200")).split(",")]
    l2 = a.l2 if a.l2 is not None else (0.0 if variational else 0.00002)
    n_users, n_items, tu, ti = read_pairs(f"{a.dir}/{a.split}-train.tsv")
    _, _, su, si = read_pairs(f"{a.dir}/{a.split}-test.tsv")
    x = torch.zeros(n_users, n_items)
    x[torch.from_numpy(tu), torch.from_numpy(ti)] = 1.0
    test_lists = {}
    for u, i in zip(su.tolist(), si.tolist()):
        test_lists.setdefault(u, []).append(i)
    test_lists = {u: np.array(v) for u, v in test_lists.items() if x[u].sum() > 0}
    model = Mult(n_items, layers, variational)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    active = np.nonzero(x.sum(1).numpy() > 0)[0]
    step = 0
    total_seconds = 0.0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        rng.shuffle(active)
        losses = []
        for s in range(0, len(active), a.batch):
            xb = x[torch.from_numpy(active[s : s + a.batch])]
            beta = min(a.anneal_cap, step / a.anneal_steps) if variational else 0.0
            logits, kl = model(xb, a.dropout)
            nll = -torch.mean(torch.sum(F.log_softmax(logits, dim=1) * xb, dim=1))
            loss = nll + beta * kl
            if l2 > 0:
                loss = loss + l2 * sum(torch.sum(m.weight**2) for m in model.modules() if isinstance(m, nn.Linear))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
        seconds = time.perf_counter() - t0
        total_seconds += seconds
        print(json.dumps({"epoch": epoch, "seconds": round(seconds, 3), "loss": round(float(np.mean(losses)), 3), "beta": round(beta, 5), "threads": torch.get_num_threads()}), flush=True)
    model.eval()
    with torch.no_grad():
        scores, _ = model(x, 0.0)
    nd, rc, n = ndcg_recall(scores, x, test_lists)
    print(json.dumps({"final": True, "model": a.model, "seed": a.seed, "epochs": a.epochs, "ndcg@10": round(nd, 6), "recall@10": round(rc, 6), "usersEvaluated": n, "trainSeconds": round(total_seconds, 2), "secondsPerEpoch": round(total_seconds / max(1, a.epochs), 3)}), flush=True)


if __name__ == "__main__":
    main()
