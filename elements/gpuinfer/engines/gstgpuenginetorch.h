/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TorchScript engine (libtorch), implemented in gstgpuenginetorch.cpp.
 * Built as the module libgstgpustream-engine-torch when libtorch was found;
 * gstgpuengine.c loads it the first time a TorchScript model is opened.
 */
#pragma once

#include "elements/gpuinfer/engines/gstgpuengine.h"

G_BEGIN_DECLS

/* Name of the TorchScript extra file describing a model's tensors, one line
 * per tensor: "input x float32 16:N" / "output y float32 4:N" (dimensions
 * innermost first, N = batch). Optional. */
#define GST_GPU_ENGINE_TORCH_IO_FILE "gpustream-io"

extern const GstGpuEngineClass gst_gpu_engine_torch_class;

G_END_DECLS
