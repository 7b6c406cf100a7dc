#!/usr/bin/python3
# gst-gpustream
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Generates the TorchScript models used by gpuinfer's tests, benchmark and
# demo, plus reference outputs for fixed inputs. Run at build time with
# Debian's python3-torch (/usr/bin/python3); nothing is downloaded: weights
# are random with a fixed seed.
#
#   gen_models.py --outdir DIR test     small models + reference data
#   gen_models.py --outdir DIR classify mobilenet_v3_small + resnet18
#   gen_models.py --outdir DIR onnx     the same models (same weights) as
#                                       ONNX files, plus single-b1.onnx and
#                                       identity.onnx (not importable)
#
# Every model carries an extra file "gpustream-io" describing its tensors,
# one line each, dimensions innermost first (NNStreamer order) with the
# batch dimension written as N:
#   input x float32 16:N
#   output y float32 4:N
# gpuinfer uses it to check caps before running anything.

import argparse
import os
import struct
import warnings

from typing import Dict

import torch

BATCH = 8


def io_description(inputs, outputs):
    lines = []
    for kind, items in (("input", inputs), ("output", outputs)):
        for name, shape in items:
            dims = ":".join(str(d) for d in reversed(shape)) + ":N"
            lines.append("%s %s float32 %s" % (kind, name, dims))
    return "\n".join(lines) + "\n"


def save(module, path, inputs, outputs, example=None):
    if example is None:
        scripted = torch.jit.script(module)
    else:
        scripted = torch.jit.trace(module, example)
    args = [a.name for a in scripted.forward.schema.arguments[1:]]
    if args != [name for name, _ in inputs]:
        raise SystemExit("%s: forward() takes %s, description says %s"
                         % (path, args, [name for name, _ in inputs]))
    extra = {"gpustream-io": io_description(inputs, outputs)}
    torch.jit.save(scripted, path, _extra_files=extra)
    return torch.jit.load(path)


def write_raw(path, tensors):
    with open(path, "wb") as f:
        for t in tensors:
            f.write(t.detach().contiguous().to(torch.float32).numpy().tobytes())


class Single(torch.nn.Module):
    """(a) one input [N,16] -> one output [N,4]."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(16, 8)
        self.fc2 = torch.nn.Linear(8, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class TwoInTwoOut(torch.nn.Module):
    """(b) inputs a [N,6] and b [N,2,3] -> (y [N,5], z [N,2,3])."""

    def __init__(self):
        super().__init__()
        self.fa = torch.nn.Linear(6, 5)
        self.fb = torch.nn.Linear(6, 5)
        self.mix = torch.nn.Parameter(torch.randn(2, 3))

    def forward(self, a, b):
        flat = b.reshape(b.shape[0], 6)
        y = torch.tanh(self.fa(a)) + self.fb(flat)
        z = b * self.mix + a[:, 0:3].unsqueeze(1)
        return y, z


class Raising(torch.nn.Module):
    """Raises at run time when an input is above 1e6: the probe with zeros
    passes, a later batch makes the engine throw."""

    def forward(self, x):
        if bool(torch.any(x > 1.0e6)):
            raise RuntimeError("input value out of range")
        return x * 2.0


class Warning(torch.nn.Module):
    """Raises a libtorch warning (aten::warn) at every forward pass."""

    def forward(self, x):
        warnings.warn("gst-gpustream test warning")
        return x * 2.0


@torch.jit.interface
class OneOp(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


class Double(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2.0


class Negate(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -x


class Unfreezable(torch.nn.Module):
    """x [N,4] -> 2x when the batch sums to >= 0, else -x. Picks a
    submodule from a ModuleDict by a computed key, which
    torch.jit.freeze rejects (prim::ModuleContainerIndex): the model for
    the engine's load-unoptimised path."""

    def __init__(self):
        super().__init__()
        self.ops = torch.nn.ModuleDict({"pos": Double(), "neg": Negate()})

    def forward(self, x):
        key = "pos" if bool(x.sum() >= 0) else "neg"
        op: OneOp = self.ops[key]
        return op.forward(x)


class DictOut(torch.nn.Module):
    """Named outputs through a dict: x [N,4] -> {"double": [N,4],
    "sum": [N,1]}; no description, so found by the probe."""

    def forward(self, x) -> Dict[str, torch.Tensor]:
        return {"double": x * 2.0, "sum": x.sum(1, keepdim=True)}


def gen_test(outdir):
    torch.manual_seed(1234)

    single = Single().eval()
    m = save(single, os.path.join(outdir, "single.pt"),
             [("x", [16])], [("y", [4])])
    x = torch.randn(BATCH, 16)
    with torch.no_grad():
        y = m(x)
    write_raw(os.path.join(outdir, "single-in.raw"), [x])
    write_raw(os.path.join(outdir, "single-out.raw"), [y])

    two = TwoInTwoOut().eval()
    m = save(two, os.path.join(outdir, "two.pt"),
             [("a", [6]), ("b", [2, 3])], [("y", [5]), ("z", [2, 3])])
    a = torch.randn(BATCH, 6)
    b = torch.randn(BATCH, 2, 3)
    with torch.no_grad():
        y, z = m(a, b)
    # one file per tensor, each [N, ...] contiguous
    write_raw(os.path.join(outdir, "two-in-a.raw"), [a])
    write_raw(os.path.join(outdir, "two-in-b.raw"), [b])
    write_raw(os.path.join(outdir, "two-out-y.raw"), [y])
    write_raw(os.path.join(outdir, "two-out-z.raw"), [z])

    save(Raising().eval(), os.path.join(outdir, "raising.pt"),
         [("x", [4])], [("y", [4])])

    save(Unfreezable().eval(), os.path.join(outdir, "unfreezable.pt"),
         [("x", [4])], [("y", [4])])

    save(Warning().eval(), os.path.join(outdir, "warning.pt"),
         [("x", [4])], [("y", [4])])

    torch.jit.save(torch.jit.script(DictOut().eval()),
                   os.path.join(outdir, "dict.pt"))

    # The same single-input model (same weights) without the description:
    # outputs are found by a probe forward pass, bad shapes by the model's
    # own exception.
    torch.jit.save(torch.jit.script(single),
                   os.path.join(outdir, "single-nodesc.pt"))


CLASSIFY_MODELS = ("mobilenet_v3_small", "resnet18")


def classify_model(name):
    """A torchvision classifier with random weights from a fixed seed, the
    same for its TorchScript and ONNX files.

    Its batch-norm statistics are measured on random pictures, as training
    would: with the initial ones (mean 0, variance 1) mobilenet_v3_small's
    activations shrink through every block, to logits of about 1e-9, which
    no tolerance on its outputs can check and which cannot tell two
    pictures apart. Measured, they stay near unit scale."""
    import torchvision

    torch.manual_seed(1234)
    model = getattr(torchvision.models, name)(weights=None)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # a plain average over the batches
    model.train()
    pictures = torch.Generator().manual_seed(99)
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, 3, 224, 224, generator=pictures))
    return model.eval()


def gen_classify(outdir):
    for name in CLASSIFY_MODELS:
        model = classify_model(name)
        example = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            save(model, os.path.join(outdir, name + ".pt"),
                 [("x", [3, 224, 224])], [("logits", [1000])], example)


def fold_initializer_identities(model):
    """Replaces each Identity node whose input is an initializer by a copy
    of that initializer under the Identity's output name. torch 1.13's
    exporter emits such nodes for shared weights, and OpenCV 4.6's importer
    rejects Identity on a constant."""
    import onnx

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    for node in list(graph.node):
        if node.op_type == "Identity" and node.input[0] in inits:
            copy = onnx.TensorProto()
            copy.CopyFrom(inits[node.input[0]])
            copy.name = node.output[0]
            graph.initializer.append(copy)
            graph.node.remove(node)
    return model


def export_onnx(module, path, example, input_names, output_names,
                dynamic_batch=True):
    """Exports for OpenCV 4.6: opset 10 (newer opsets give Clip min/max as
    inputs, which it rejects), then folds Identity nodes on initializers."""
    import io

    import onnx

    buf = io.BytesIO()
    axes = None
    if dynamic_batch:
        axes = {n: {0: "N"} for n in input_names + output_names}
    with torch.no_grad():
        torch.onnx.export(module, example, buf, opset_version=10,
                          input_names=input_names, output_names=output_names,
                          dynamic_axes=axes)
    model = fold_initializer_identities(onnx.load_from_string(buf.getvalue()))
    onnx.checker.check_model(model)
    onnx.save(model, path)


def gen_onnx(outdir):
    for name in CLASSIFY_MODELS:
        export_onnx(classify_model(name), os.path.join(outdir, name + ".onnx"),
                    torch.randn(1, 3, 224, 224), ["x"], ["logits"])

    # single.pt's model and weights (the first thing gen_test makes after
    # seeding) with its batch fixed at 1: the engine runs it item by item
    torch.manual_seed(1234)
    export_onnx(Single().eval(), os.path.join(outdir, "single-b1.onnx"),
                torch.randn(1, 16), ["x"], ["y"], dynamic_batch=False)

    # what torch 1.13 emits at opset 13 for a shared weight, left unfolded:
    # OpenCV 4.6 rejects it, naming the node
    import numpy
    import onnx
    from onnx import helper, numpy_helper

    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 4])
    y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["N", 4])
    graph = helper.make_graph(
        [helper.make_node("Identity", ["w"], ["w_shared"]),
         helper.make_node("Add", ["x", "w_shared"], ["y"])],
        "identity", [x], [y],
        [numpy_helper.from_array(numpy.ones(4, numpy.float32), "w")])
    onnx.save(helper.make_model(graph,
                                opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(outdir, "identity.onnx"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outdir", required=True)
    parser.add_argument("what", choices=("test", "classify", "onnx"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.outdir, exist_ok=True)
    if args.what == "test":
        gen_test(args.outdir)
    elif args.what == "classify":
        gen_classify(args.outdir)
    else:
        gen_onnx(args.outdir)


if __name__ == "__main__":
    main()
