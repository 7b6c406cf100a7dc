/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How the torch engine prepares a TorchScript model for inference, in a
 * header so that the benchmarks that drive libtorch directly run exactly
 * the model the engine runs. C++ only.
 */
#pragma once

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>
#include <torch/script.h>

#include <memory>
#include <vector>

/* Output channels of the MKL-DNN convolution that produced @value, or -1
 * when @value comes from anything else. */
static inline int64_t
mkldnn_conv_channels (torch::jit::Value *value)
{
  static const c10::Symbol conv
      = c10::Symbol::fromQualString ("prim::mkldnn_convolution");
  static const c10::Symbol weight
      = c10::Symbol::fromQualString ("prim::ConstantMKLDNNTensor");
  torch::jit::Node *node = value->node ();

  if (node->kind () != conv || node->inputs ().size () < 2)
    return -1;
  node = node->input (1)->node ();
  if (node->kind () != weight || !node->hasAttribute (torch::jit::attr::value))
    return -1;
  return node->t (torch::jit::attr::value).size (0);
}

/* libtorch 1.13's optimize_for_inference turns hardswish and hardsigmoid
 * into MKL-DNN activations (prim::MKLDNNHardSwish_, MKLDNNHardSigmoid_)
 * that compute wrong values when the tensor's channel count is not a
 * multiple of 16, the width of MKL-DNN's blocked channel layout: a 1x1
 * convolution to 120 channels followed by hardswish differs from the
 * unoptimised model by about 2 where its outputs are about 5 (the same for
 * 8, 24, 40, ..., 200 channels; never for multiples of 16, nor for ReLU).
 * mobilenet_v3_small has three such activations, which made its logits
 * differ by more than their own size. Each of them runs on a dense copy
 * instead; the others stay in MKL-DNN. Returns how many were rewritten. */
static inline unsigned
dense_activations_off_channel_blocks (std::shared_ptr<torch::jit::Graph> graph)
{
  static const c10::Symbol hardswish
      = c10::Symbol::fromQualString ("prim::MKLDNNHardSwish_");
  static const c10::Symbol hardsigmoid
      = c10::Symbol::fromQualString ("prim::MKLDNNHardSigmoid_");
  std::vector<torch::jit::Node *> odd;
  torch::jit::DepthFirstGraphNodeIterator it (graph);

  for (torch::jit::Node *node = it.next (); node; node = it.next ()) {
    int64_t channels;

    if (node->kind () != hardswish && node->kind () != hardsigmoid)
      continue;
    channels = mkldnn_conv_channels (node->input (0));
    if (channels < 0 || channels % 16 != 0)
      odd.push_back (node);
  }
  for (torch::jit::Node *node : odd) {
    torch::jit::WithInsertPoint point (node);
    c10::Symbol dense_op
        = node->kind () == hardswish
              ? c10::Symbol::fromQualString ("aten::hardswish_")
              : c10::Symbol::fromQualString ("aten::hardsigmoid_");
    torch::jit::Value *dense = graph->insert (
        c10::Symbol::fromQualString ("aten::to_dense"), { node->input (0) });
    torch::jit::Value *activated = graph->insert (dense_op, { dense });
    torch::jit::Value *blocked = graph->insert (
        c10::Symbol::fromQualString ("aten::to_mkldnn"), { activated });

    node->output ()->replaceAllUsesWith (blocked);
    node->destroy ();
  }
  return odd.size ();
}

/* Frozen (weights folded in as constants) and optimised for inference
 * (conv/batch-norm folding, fused and MKL-DNN kernels on the CPU), as
 * libtorch runs a model fastest, with the activations libtorch 1.13 gets
 * wrong made dense (@n_dense: how many). Throws what libtorch throws for a
 * model that cannot be frozen. */
static inline torch::jit::Module
gst_gpu_torch_prepare_for_inference (
    const torch::jit::Module &module, unsigned *n_dense)
{
  torch::jit::Module frozen = torch::jit::freeze (module);
  torch::jit::Module optimized = torch::jit::optimize_for_inference (frozen);

  *n_dense = dense_activations_off_channel_blocks (
      optimized.get_method ("forward").graph ());
  return optimized;
}
