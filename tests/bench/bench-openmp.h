/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For benchmarks that link libtorch and compare it with gpuinfer: the
 * engine loader sets OMP_WAIT_POLICY=PASSIVE before it loads libtorch
 * (docs/gpuinfer.md, "Threads"), but a program linking libtorch has
 * libgomp read the environment before main. bench_openmp_like_gpuinfer ()
 * runs the program again with the element's policy, so that direct
 * libtorch calls and the element run under the same one.
 */
#pragma once

#include <errno.h>
#include <unistd.h>

#include <glib.h>

/* Returns only when the policy is already set (or exec failed: FALSE). */
static inline gboolean
bench_openmp_like_gpuinfer (char **argv)
{
  if (g_getenv ("OMP_WAIT_POLICY"))
    return TRUE;
  g_setenv ("OMP_WAIT_POLICY", "PASSIVE", TRUE);
  execv ("/proc/self/exe", argv);
  g_printerr (
      "cannot run again with OMP_WAIT_POLICY set: %s\n", g_strerror (errno));
  return FALSE;
}
