/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: cost of gpuoptbin's profiling probes. The same pipeline runs in
 * gpuoptbin with enable-profiling off and on; the difference in CPU time per
 * measured element and buffer is the overhead.
 */
#include "optbench.h"

#include <stdlib.h>

#define BRANCHES 8
#define ELEMENTS 3 /* measured elements per branch */

int
main (int argc, char **argv)
{
  guint buffers = argc > 1 ? (guint)atoi (argv[1]) : 40000;
  GString *s = g_string_new (NULL);
  OptBenchRun off[2], on[2];
  gdouble off_cpu = 0, on_cpu = 0, per;
  guint i, round;
  gint ret = 1;

  gst_init (&argc, &argv);
  for (i = 0; i < BRANCHES; i++)
    g_string_append_printf (s,
        "fakesrc num-buffers=%u sizetype=fixed "
        "sizemax=64 ! identity ! identity ! identity ! fakesink sync=false ",
        buffers);
  printf ("gpuoptbin profiling overhead: %d branches x %u buffers through %d "
          "identity elements\n",
      BRANCHES, buffers, ELEMENTS);
  for (round = 0; round < 2; round++) {
    GstElement *p = optbench_pipeline (s->str, TRUE, "enable-priorities=false");

    if (p == NULL || !optbench_run (p, 60 * GST_SECOND, &off[round]))
      goto out;
    gst_object_unref (p);
    p = optbench_pipeline (
        s->str, TRUE, "enable-priorities=false enable-profiling=true");
    if (p == NULL || !optbench_run (p, 60 * GST_SECOND, &on[round]))
      goto out;
    gst_object_unref (p);
    printf ("  round %u: profiling off: cpu %.2f s wall %.2f s | on: cpu "
            "%.2f s wall %.2f s\n",
        round, off[round].cpu_s, off[round].wall_s, on[round].cpu_s,
        on[round].wall_s);
    off_cpu += off[round].cpu_s;
    on_cpu += on[round].cpu_s;
  }
  per = (on_cpu - off_cpu) * 1e9 / (2.0 * BRANCHES * buffers * ELEMENTS);
  printf ("RESULT profiling cpu: off %.2f s, on %.2f s: %+.1f%%; %.0f ns per "
          "measured element per buffer\n",
      off_cpu, on_cpu, 100.0 * (on_cpu / off_cpu - 1.0), per);
  ret = 0;
out:
  g_string_free (s, TRUE);
  return ret;
}
