"""implicit 0.7.2 ALS or BPR on the CSR that the RecForge side wrote: seconds per iteration (or
epoch) from implicit's own fit callback, the process CPU seconds per step (all threads, measured
in the same callback), fit seconds, and NDCG@10 on the held-out test CSR.

  python tools/anchors/implicit_bench.py <dir> --model als|bpr --threads 1 [--iterations 15]
      [--factors 64] [--l2 0.01] [--alpha 1] [--lr 0.05] [--seed 42]

ALS equal settings: RecForge weights an entry by c = 1 + alpha * value, implicit by c = value
(its alpha only scales the matrix), so implicit gets the matrix 1 + alpha * value with alpha 1:
both solve the same equations with the same 3 conjugate-gradient steps.
"""
import argparse
import statistics
import time

import numpy as np

from common import blas_info, blas_limit, emit, ndcg_at_k, read_csr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--model", choices=["als", "bpr"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--l2", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    train = read_csr(a.dir, "train")
    test = read_csr(a.dir, "test")
    limiter = blas_limit(1)  # implicit's advice: its own OpenMP threads, one BLAS thread
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    if a.model == "als":
        weighted = train.copy()
        weighted.data = (1.0 + a.alpha * np.abs(weighted.data)).astype(np.float32)
        model = AlternatingLeastSquares(
            factors=a.factors, regularization=a.l2, alpha=1.0, iterations=a.iterations,
            num_threads=a.threads, random_state=a.seed,
        )
        matrix = weighted
    else:
        model = BayesianPersonalizedRanking(
            factors=a.factors, learning_rate=a.lr, regularization=a.l2, iterations=a.iterations,
            num_threads=a.threads, random_state=a.seed, verify_negative_samples=True,
        )
        matrix = train
    steps = []
    cpu = [time.process_time()]
    t0 = time.perf_counter()

    def on_step(it, elapsed, *rest):
        steps.append(elapsed)
        cpu.append(time.process_time())

    model.fit(matrix, show_progress=False, callback=on_step)
    fit_seconds = time.perf_counter() - t0
    uf = np.asarray(model.user_factors)
    itf = np.asarray(model.item_factors)
    ndcg = ndcg_at_k(lambda s, e: uf[s:e] @ itf.T, train, test, 10)
    later = steps[1:] if len(steps) > 2 else steps
    cpu_steps = [b - a for a, b in zip(cpu, cpu[1:])]
    cpu_later = cpu_steps[1:] if len(cpu_steps) > 2 else cpu_steps
    emit({
        "library": "implicit 0.7.2",
        "secondsPerStep": statistics.median(later),
        "cpuSecondsPerStep": statistics.median(cpu_later),
        "fitSeconds": fit_seconds,
        "ndcg@10": ndcg,
        "steps": len(steps),
        "blas": blas_info(),
    })
    del limiter


if __name__ == "__main__":
    main()
