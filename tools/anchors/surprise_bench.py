"""scikit-surprise 1.1.4 SVD or SVDpp with its defaults on the folds that the RecForge side wrote
(`fold<i>-train.csv` / `fold<i>-test.csv`: user,item,rating; the test files hold exactly the
pairs RecForge scores): fit seconds and RMSE per fold.

  python tools/anchors/surprise_bench.py <dir> --model svd|svdpp [--folds 5]
"""
import argparse
import os
import time

from common import emit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--model", choices=["svd", "svdpp"], required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from surprise import SVD, Dataset, Reader, SVDpp, accuracy
    from surprise.model_selection import PredefinedKFold

    reader = Reader(line_format="user item rating", sep=",", rating_scale=(0.5, 5))
    files = [(os.path.join(a.dir, f"fold{i}-train.csv"), os.path.join(a.dir, f"fold{i}-test.csv")) for i in range(a.folds)]
    data = Dataset.load_from_folds(files, reader=reader)
    fit, rmse = [], []
    for trainset, testset in PredefinedKFold().split(data):
        algo = SVD(random_state=a.seed) if a.model == "svd" else SVDpp(random_state=a.seed)
        t0 = time.perf_counter()
        algo.fit(trainset)
        fit.append(time.perf_counter() - t0)
        rmse.append(accuracy.rmse(algo.test(testset), verbose=False))
    emit({"library": "scikit-surprise 1.1.4", "fitSecondsPerFold": fit, "rmsePerFold": rmse})


if __name__ == "__main__":
    main()
