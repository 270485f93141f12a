"""Benchmark (not a test): how close is a Solver epoch to the cost of its matrix products?

One epoch of ``Solver`` training the reference ``FullyConnectedNet([512, 256])``
with SGD at batch size 100 (including the end-of-epoch accuracy checks) is
timed against the matrix multiplications alone that the same epoch performs
on the same minibatches: per step 3 forward products and 6 backward ones (the
reference's affine_backward also computes dx of the first layer), and the
forward products of the accuracy checks. The ratio is what everything else
costs: the Solver, the update rule, ReLU, softmax, bias additions, copies.
A third measurement, the same epoch as a plain loop over model.loss and
the update rule, separates the Solver's own overhead from the model's.

    PYTHONPATH=. CIFAR10_DIR=... python benchmarks/bench_solver.py [--repeats 5] [--dtype float32]

Runs alternate between the two measurements so that load from other
processes hits both alike; the median of each is reported, for wall-clock
time and for CPU time. On a shared machine the CPU-time ratio with one BLAS
thread (OMP_NUM_THREADS=1) is the stable figure: other processes barely
change it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from autograder import assignments
from course.data import get_cifar10_data
from course.solver import Solver

FullyConnectedNet = assignments.load("06_dropout", "reference").FullyConnectedNet
sgd = assignments.load("07_solver_cifar10", "reference").sgd

HIDDEN = [512, 256]
BATCH = 100


class _Clock:
    """Wall-clock and CPU time (all threads of this process) since creation."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self):
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def solver_epoch(data, dtype, seed):
    np.random.seed(seed)
    model = FullyConnectedNet(HIDDEN, weight_scale=1e-2, dtype=dtype)
    solver = Solver(model, data, update_rule=sgd, optim_config={"learning_rate": 1e-3},
                    num_epochs=1, batch_size=BATCH, verbose=False, seed=seed)
    clock = _Clock()
    solver.train()
    return clock.stop()


def bare_loop(data, dtype, seed, num_train_samples=1000, eval_batch=500):
    """The same epoch written as a plain loop (no Solver): isolates the Solver's own overhead."""
    np.random.seed(seed)
    model = FullyConnectedNet(HIDDEN, weight_scale=1e-2, dtype=dtype)
    X = data["X_train"].astype(dtype)
    y = data["y_train"]
    order = np.random.default_rng(seed).permutation(len(X))
    batches = [(X[order[i:i + BATCH]], y[order[i:i + BATCH]]) for i in range(0, len(X) - BATCH + 1, BATCH)]
    configs = {name: {"learning_rate": 1e-3} for name in model.params}
    eval_sets = [X[:num_train_samples], data["X_val"].astype(dtype)]
    clock = _Clock()
    for xb, yb in batches:
        _, grads = model.loss(xb, yb)
        for name in model.params:
            model.params[name], configs[name] = sgd(model.params[name], grads[name], configs[name])
    for Xe in eval_sets:
        for s in range(0, len(Xe), eval_batch):
            model.loss(Xe[s:s + eval_batch])
    return clock.stop()


def matmuls_only(data, dtype, seed, num_train_samples=1000, eval_batch=500):
    """The matrix products of one Solver epoch, on the same minibatches, and nothing else."""
    rng = np.random.default_rng(seed)
    X = data["X_train"].reshape(len(data["X_train"]), -1).astype(dtype)
    X_val = data["X_val"].reshape(len(data["X_val"]), -1).astype(dtype)
    dims = [X.shape[1], *HIDDEN, 10]
    W = [(1e-2 * rng.standard_normal((a, b))).astype(dtype) for a, b in zip(dims[:-1], dims[1:])]
    order = np.random.default_rng(seed).permutation(len(X))
    # Batches are cut before the clock starts: gathering them is not a matrix product.
    batches = [np.ascontiguousarray(X[order[i:i + BATCH]]) for i in range(0, len(X) - BATCH + 1, BATCH)]
    grads_out = [rng.standard_normal((BATCH, d)).astype(dtype) for d in dims[1:]]
    eval_sets = [X[:num_train_samples], X_val]

    clock = _Clock()
    for xb in batches:
        acts = [xb]
        for w in W:  # forward
            acts.append(acts[-1] @ w)
        for i in reversed(range(len(W))):  # backward: dW and dx for every layer
            acts[i].T @ grads_out[i]
            grads_out[i] @ W[i].T
    for Xe in eval_sets:  # the accuracy checks: forward only
        for s in range(0, len(Xe), eval_batch):
            h = Xe[s:s + eval_batch]
            for w in W:
                h = h @ w
    return clock.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dtype", choices=["float64", "float32", "both"], default="both")
    args = parser.parse_args()
    data = get_cifar10_data()
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(f"{len(data['X_train'])} training images, net {HIDDEN}, batch {BATCH}, SGD, BLAS threads: {threads}")
    dtypes = ["float64", "float32"] if args.dtype == "both" else [args.dtype]
    for name in dtypes:
        dtype = np.dtype(name).type
        solver_epoch(data, dtype, 0)  # warm-up: caches, thread pool
        matmuls_only(data, dtype, 0)
        solver_times, bare_times, matmul_times = [], [], []
        for r in range(args.repeats):
            solver_times.append(solver_epoch(data, dtype, r))
            bare_times.append(bare_loop(data, dtype, r))
            matmul_times.append(matmuls_only(data, dtype, r))
        for k, clock in enumerate(("wall", "cpu")):
            s = statistics.median(t[k] for t in solver_times)
            b = statistics.median(t[k] for t in bare_times)
            m = statistics.median(t[k] for t in matmul_times)
            print(f"{name} {clock:4s}: Solver epoch {s:.3f} s, plain loop {b:.3f} s, matrix products "
                  f"alone {m:.3f} s; Solver / products {s / m:.2f}, Solver / plain loop {s / b:.2f} "
                  f"(medians of {args.repeats})")


if __name__ == "__main__":
    main()
