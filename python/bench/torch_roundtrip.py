"""The PyTorch round trip of a 784-30-10 MNIST network, run by hand (PyTorch is not in CI).

1. Train ``nn.Sequential(Linear(784, 30), Sigmoid, Linear(30, 10))`` in PyTorch for one epoch on
   Nielsen's 50,000 training images, append ``Softmax(dim=1)``, report its test accuracy and save
   its state dict with ``safetensors.torch.save_file``.
2. ``neuralnet train --init-from`` that file with 0 epochs (the network as it comes in), then
   ``neuralnet eval``: the same test accuracy.
3. ``neuralnet export --torch``, run the generated Python lines (``load_state_dict(strict=True)``)
   and check every tensor is bit-identical to PyTorch's and the outputs equal.

Usage (a venv with torch and safetensors; MNIST in $NEURALNET_DATA or --data)::

    /tmp/benchvenv/bin/python python/bench/torch_roundtrip.py --data /work/shared/data

Expected: PyTorch's test accuracy (about 92–93% after one epoch) printed twice, equal, and
"bit-identical: True".
"""

import argparse
import gzip
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

REPO = Path(__file__).resolve().parents[2]


def idx(path):
    """The array of an IDX file (gzip-compressed)."""
    data = gzip.open(path).read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(data_dir):
    """Nielsen's split: the first 50,000 training images train; the 10,000 test images test."""
    d = Path(data_dir) / "mnist"
    x = idx(d / "train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y = idx(d / "train-labels-idx1-ubyte.gz").astype(np.int64)
    xt = idx(d / "t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    yt = idx(d / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(x[:50000]), torch.from_numpy(y[:50000]), torch.from_numpy(xt), torch.from_numpy(yt)


def neuralnet(*args):
    binary = REPO / "target" / "release" / "neuralnet"
    out = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"neuralnet {' '.join(map(str, args))}: {out.stderr.strip()}")
    return out.stdout


def train_in_torch(x, y, seed):
    torch.manual_seed(seed)
    logits = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10))
    opt = torch.optim.Adam(logits.parameters(), lr=1e-3)
    for i in torch.randperm(len(x)).split(32):
        opt.zero_grad()
        nn.functional.cross_entropy(logits(x[i]), y[i]).backward()
        opt.step()
    return nn.Sequential(*logits, nn.Softmax(dim=1)).eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("NEURALNET_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    x, y, xt, yt = mnist(a.data)
    model = train_in_torch(x, y, a.seed)
    with torch.no_grad():
        p_torch = model(xt)
    correct = int((p_torch.argmax(1) == yt).sum())
    print(
        f"PyTorch {torch.__version__}: 784-30-10 sigmoid/softmax, 1 epoch Adam; test accuracy "
        f"{correct}/{len(yt)} = {correct / len(yt):.4f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        save_file(model.state_dict(), tmp / "torch.safetensors")
        network = ["--activation", "sigmoid", "--output-activation", "softmax"]
        init = ["--init-from", tmp / "torch.safetensors", "--epochs", "0"]
        neuralnet(
            "train", "-q", "--dataset", "mnist", "--data", a.data, *network, *init, "--out", tmp / "imported.model"
        )
        figures = json.loads(neuralnet("eval", "--model", tmp / "imported.model", "--data", a.data, "--json"))
        ours = round(figures["accuracy"] * figures["n"])
        print(
            f"neuralnet eval after --init-from: test accuracy {ours}/{figures['n']} = {figures['accuracy']:.4f} "
            f"(loss {figures['loss']:.6f})"
        )
        print(f"same accuracy: {ours == correct and figures['n'] == len(yt)}")
        lines = neuralnet("export", tmp / "imported.model", "--torch", tmp / "back.safetensors")
        print("neuralnet export --torch printed:\n" + "".join("    " + l + "\n" for l in lines.splitlines()))
        namespace = {}
        cwd = os.getcwd()
        os.chdir(tmp)  # the lines load the state dict by its file name
        try:
            exec((tmp / "back.py").read_text(), namespace)
        finally:
            os.chdir(cwd)
        back = namespace["model"].eval()
        before, after = model.state_dict(), back.state_dict()
        same = sorted(before) == sorted(after) and all(
            before[k].dtype == after[k].dtype and torch.equal(before[k].view(torch.int32), after[k].view(torch.int32))
            for k in before
        )
        print(f"tensors {sorted(after)}: bit-identical: {same}")
        with torch.no_grad():
            print(f"outputs equal: {torch.equal(back(xt), p_torch)}")
        raw = load_file(tmp / "back.safetensors")
        print(f"exported file: {len(raw)} tensors, dtypes {sorted({str(t.dtype) for t in raw.values()})}")


if __name__ == "__main__":
    main()
