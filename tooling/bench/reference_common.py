"""Pieces shared by the PyTorch reference implementations (packages/*/bench/reference/*_torch.py):
reading the TSV splits that the export-split.ts scripts write, the seed and thread options, and
NDCG@k / Recall@k under the holdout-full rules. Each reference puts this folder on sys.path:

    sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tooling" / "bench"))
    from reference_common import add_run_args, holdout_ndcg_recall, read_pairs, seeded
"""
import numpy as np
import torch


def read_pairs(path):
    """(n_users, n_items, users, items) of a TSV split: a "users items" line, then one user<TAB>item[<TAB>...] row per interaction."""
    with open(path) as f:
        n_users, n_items = map(int, f.readline().split())
        arr = np.loadtxt(f, dtype=np.float64, delimiter="\t", ndmin=2)
    return n_users, n_items, arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)


def add_run_args(ap):
    """The --seed (default 42) and --threads (default 0: PyTorch's choice) options."""
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0)


def seeded(a):
    """Applies --threads and seeds PyTorch with --seed; returns the NumPy generator of that seed."""
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    return np.random.default_rng(a.seed)


def holdout_ndcg_recall(top, test_lists, k=10):
    """Mean NDCG@k and Recall@k, and the number of users, from each user's top-k item indices
    (`top[u]`) and relevant test items (`test_lists[u]`): binary relevance, log2 discounts, ideal
    DCG over min(k, |relevant|) items."""
    disc = 1 / np.log2(np.arange(2, k + 2))
    nd, rc = [], []
    for u, rel in test_lists.items():
        hits = np.isin(top[u], rel)
        ideal = disc[: min(k, len(rel))].sum()
        nd.append((hits * disc).sum() / ideal)
        rc.append(hits.sum() / len(rel))
    return float(np.mean(nd)), float(np.mean(rc)), len(nd)
