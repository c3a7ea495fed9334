"""Shared helpers of the anchor scripts: read the binary files the RecForge side writes, limit
BLAS threads, print one JSON object.

A CSR matrix `<name>` lives in `<dir>/<name>.json` (rows, cols, nnz) beside
`<name>.indptr.i32`, `<name>.indices.i32` and `<name>.values.f32` (little-endian, no header);
a dense float32 matrix in `<name>.json` (rows, cols) and `<name>.f32`.
"""
import json
import os
import sys

import numpy as np
import scipy.sparse as sp


def read_csr(directory, name):
    with open(os.path.join(directory, name + ".json")) as f:
        meta = json.load(f)
    base = os.path.join(directory, name)
    indptr = np.fromfile(base + ".indptr.i32", dtype="<i4")
    indices = np.fromfile(base + ".indices.i32", dtype="<i4")
    values = np.fromfile(base + ".values.f32", dtype="<f4")
    return sp.csr_matrix((values, indices, indptr), shape=(meta["rows"], meta["cols"]))


def read_dense(directory, name):
    with open(os.path.join(directory, name + ".json")) as f:
        meta = json.load(f)
    a = np.fromfile(os.path.join(directory, name + ".f32"), dtype="<f4")
    return a.reshape(meta["rows"], meta["cols"])


def blas_limit(threads):
    """Limits OpenBLAS to `threads` threads (0 = all cores) for the rest of the process."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads if threads > 0 else os.cpu_count(), user_api="blas")


def blas_info():
    from threadpoolctl import threadpool_info

    return [
        {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for p in threadpool_info()
        if p.get("user_api") == "blas"
    ]


def ndcg_at_k(scores_for, train, test, k=10, batch=512):
    """Mean NDCG@k over users with a test item: binary relevance, log2 discounts, ideal DCG over
    min(k, |relevant|) items, training items never ranked (the `holdout-full` rule)."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    total = 0.0
    users = 0
    n_users = test.shape[0]
    for start in range(0, n_users, batch):
        end = min(n_users, start + batch)
        s = np.asarray(scores_for(start, end), dtype=np.float64)
        tr = train[start:end]
        rows = np.repeat(np.arange(end - start), np.diff(tr.indptr))
        s[rows, tr.indices] = -np.inf
        top = np.argpartition(-s, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        for r in range(end - start):
            rel = test.indices[test.indptr[start + r]: test.indptr[start + r + 1]]
            if rel.size == 0:
                continue
            hits = np.isin(top[r], rel)
            ideal = discounts[: min(k, rel.size)].sum()
            total += float((hits * discounts).sum() / ideal)
            users += 1
    return total / max(1, users)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
