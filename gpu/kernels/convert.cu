/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Conversion kernels. All per-pixel and per-sample math is in
 * gpu/convert/gstgpuconvertmath.h, which the CPU path compiles too; these
 * kernels only map threads to output pixels or samples.
 */
#include "gpu/convert/gstgpuconvertmath.h"

/* One item into one slot: fetch (packed RGB family, GRAY8, NV12 or I420 in
 * pitched memory), YUV->RGB, bilinear scaling into the slot's scaled
 * rectangle, padding around it, normalisation, layout and dtype in one
 * pass. One thread per slot pixel; launch a 2D grid covering p.width x
 * p.height. */
extern "C" __global__ void
gst_gpu_convert_video (
    GstGpuPixSource s, GstGpuSlotParams p, unsigned char *dst)
{
  int dx = blockIdx.x * blockDim.x + threadIdx.x;
  int dy = blockIdx.y * blockDim.y + threadIdx.y;

  if (dx >= p.width || dy >= p.height)
    return;
  gst_gpu_convert_slot_pixel (&s, &p, dst, dx, dy);
}
