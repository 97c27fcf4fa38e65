#!/usr/bin/env python3
"""Runs a neuralnet model file with NumPy alone, to show the format is readable by others.

Usage: python3 scripts/numpy_forward.py MODEL.safetensors DATA_DIR/mnist
Prints the test accuracy, which must equal `neuralnet eval --model MODEL --dataset mnist`.
Needs: pip install numpy safetensors
"""
import gzip
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

ACTIVATIONS = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky-relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "hard-sigmoid": lambda z: (np.maximum(z + 3, 0) - np.maximum(z - 3, 0)) / 6.0,
    "tanh": np.tanh,
    "identity": lambda z: z,
    "softmax": lambda z: np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main(model_path, mnist_dir):
    tensors = load_file(model_path)
    with safe_open(model_path, "np") as f:
        meta = f.metadata()
    assert meta["format"] == "neuralnet/1", meta["format"]
    activations = meta["activations"].split(",")
    x = read_idx(f"{mnist_dir}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
    labels = read_idx(f"{mnist_dir}/t10k-labels-idx1-ubyte.gz")
    a = x
    for i, act in enumerate(activations):
        w, b = tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]
        a = ACTIVATIONS[act](a @ w.T + b)  # z = W a + b, one sample per row
    accuracy = float((a.argmax(axis=1) == labels).mean())
    print(f"layers {meta['sizes']}, activations {meta['activations']}: test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
