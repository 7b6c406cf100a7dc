/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Conversion kernels. All per-pixel and per-sample math is in
 * gpu/convert/gstgpuconvertmath.h, which the CPU path compiles too; these
 * kernels only map threads to output pixels or samples.
 */
#include "gpu/convert/gstgpuconvertmath.h"

/* One item into one slot: fetch (packed RGB family, GRAY8, NV12 or I420 in
 * pitched memory), YUV->RGB, bilinear scaling, normalisation, layout and
 * dtype in one pass. One thread per output pixel; launch a 2D grid covering
 * p.width x p.height. */
extern "C" __global__ void
gst_gpu_convert_video (
    GstGpuPixSource s, GstGpuSlotParams p, unsigned char *dst)
{
  int dx = blockIdx.x * blockDim.x + threadIdx.x;
  int dy = blockIdx.y * blockDim.y + threadIdx.y;
  int32_t x0, x1, y0, y1;
  float wx, wy;

  if (dx >= p.width || dy >= p.height)
    return;
  gst_gpu_bilinear_coord (dx, s.width, p.width, &x0, &x1, &wx);
  gst_gpu_bilinear_coord (dy, s.height, p.height, &y0, &y1, &wy);
  gst_gpu_convert_pixel (&s, &p, dst, dx, dy, x0, x1, wx, y0, y1, wy);
}
