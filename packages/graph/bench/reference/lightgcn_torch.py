"""Reference LightGCN (He et al. 2020) in PyTorch, to compare @recforge/graph with at equal settings
on the exact split that packages/autoencoders/bench/reference/export-split.ts writes.

As the authors' PyTorch code has it: the symmetrically normalised user-item graph
D^-1/2 A D^-1/2 as a torch sparse matrix (distinct pairs), propagation by torch.sparse.mm, layer
combination by the mean of the K + 1 layers, inner-product scores, BPR loss with the penalty
(l2 / 2)(|e_u|^2 + |e_p|^2 + |e_n|^2) / batch on the layer-0 embeddings, Adam, N(0, init_std^2)
initial embeddings. Each epoch draws as many triples as the graph has edges: a user uniformly
among those with items, one of their items, and a uniform item they have not interacted with.
It prints one JSON line per epoch (seconds, mean BPR loss) and, at the end, NDCG@10 and
Recall@10 on the test part under the holdout-full rules (every item without a training
interaction ranked; binary relevance; ideal DCG over min(10, |relevant|); users without test
items skipped).

  python3 lightgcn_torch.py <dir> [--epochs 250] [--batch 2048] [--lr 0.005] [--layers 3]
      [--factors 64] [--l2 0.0001] [--init-std 0.1] [--seed 42] [--threads 0] [--split holdout-full]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tooling" / "bench"))
from reference_common import add_run_args, holdout_ndcg_recall, read_pairs, seeded  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--split", default="holdout-full")
    ap.add_argument("--epochs", type=int, default=250)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--l2", type=float, default=0.0001)
    ap.add_argument("--init-std", type=float, default=0.1)
    add_run_args(ap)
    a = ap.parse_args()
    rng = seeded(a)
    nu, ni, tu, ti = read_pairs(f"{a.dir}/{a.split}-train.tsv")
    _, _, su, si = read_pairs(f"{a.dir}/{a.split}-test.tsv")
    pairs = np.unique(np.stack([tu, ti], 1), axis=0)
    tu, ti = pairs[:, 0], pairs[:, 1]
    du = np.bincount(tu, minlength=nu).astype(np.float64)
    di = np.bincount(ti, minlength=ni).astype(np.float64)
    w = 1 / np.sqrt(du[tu] * di[ti])
    rows = np.concatenate([tu, nu + ti])
    cols = np.concatenate([nu + ti, tu])
    graph = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])), torch.from_numpy(np.concatenate([w, w])).float(), (nu + ni, nu + ni)).coalesce()
    graph = graph.to_sparse_csr() if hasattr(graph, "to_sparse_csr") else graph
    ego = torch.nn.Parameter(torch.randn(nu + ni, a.factors) * a.init_std)
    opt = torch.optim.Adam([ego], lr=a.lr)

    def combined():
        e, acc = ego, ego
        for _ in range(a.layers):
            e = torch.sparse.mm(graph, e)
            acc = acc + e
        return acc / (a.layers + 1)

    user_items = [[] for _ in range(nu)]
    for u, i in zip(tu.tolist(), ti.tolist()):
        user_items[u].append(i)
    user_sets = [set(x) for x in user_items]
    eligible = np.array([u for u in range(nu) if 0 < len(user_items[u]) < ni])
    n_edges = len(tu)
    total_seconds = 0.0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        users = eligible[rng.integers(0, len(eligible), n_edges)]
        pos = np.fromiter((user_items[u][rng.integers(len(user_items[u]))] for u in users), dtype=np.int64, count=n_edges)
        neg = rng.integers(0, ni, n_edges)
        bad = np.fromiter((int(n) in user_sets[u] for u, n in zip(users, neg)), dtype=bool, count=n_edges)
        while bad.any():
            neg[bad] = rng.integers(0, ni, int(bad.sum()))
            idx = np.nonzero(bad)[0]
            bad[idx] = np.fromiter((int(neg[j]) in user_sets[users[j]] for j in idx), dtype=bool, count=len(idx))
        users_t, pos_t, neg_t = torch.from_numpy(users), torch.from_numpy(pos) + nu, torch.from_numpy(neg) + nu
        sample_seconds = time.perf_counter() - t0
        total = 0.0
        for s in range(0, n_edges, a.batch):
            bu, bp, bn = users_t[s : s + a.batch], pos_t[s : s + a.batch], neg_t[s : s + a.batch]
            e = combined()
            x = (e[bu] * e[bp]).sum(1) - (e[bu] * e[bn]).sum(1)
            bpr = torch.nn.functional.softplus(-x).mean()
            reg = 0.5 * (ego[bu].pow(2).sum() + ego[bp].pow(2).sum() + ego[bn].pow(2).sum()) / len(bu)
            loss = bpr + a.l2 * reg
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += bpr.item() * len(bu)
        seconds = time.perf_counter() - t0
        total_seconds += seconds
        print(json.dumps({"epoch": epoch, "seconds": round(seconds, 3), "sampleSeconds": round(sample_seconds, 3), "loss": round(total / n_edges, 5), "threads": torch.get_num_threads()}), flush=True)
    with torch.no_grad():
        e = combined()
        scores = e[:nu] @ e[nu:].T
        scores[torch.from_numpy(tu), torch.from_numpy(ti)] = -float("inf")
        top = torch.topk(scores, 10, dim=1).indices.numpy()
    test = {}
    for u, i in zip(su.tolist(), si.tolist()):
        if len(user_items[u]) > 0:
            test.setdefault(u, []).append(i)
    nd, rc, n = holdout_ndcg_recall(top, test)
    print(json.dumps({"final": True, "seed": a.seed, "epochs": a.epochs, "ndcg@10": round(nd, 6), "recall@10": round(rc, 6), "usersEvaluated": n, "trainSeconds": round(total_seconds, 2), "secondsPerEpoch": round(total_seconds / max(1, a.epochs), 3)}), flush=True)


if __name__ == "__main__":
    main()
