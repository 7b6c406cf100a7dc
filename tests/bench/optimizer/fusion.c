/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark: 64 branches of lightweight chains separated by queues, with
 * and without gpuoptbin's fusion: CPU time, context switches, threads.
 * Targets (issue 5): >= 20% less CPU, >= 4x fewer threads.
 */
#include "optbench.h"

#include <stdlib.h>

#define BRANCHES 64

static gchar *
description (guint buffers)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < BRANCHES; i++)
    g_string_append_printf (s,
        "audiotestsrc num-buffers=%u "
        "samplesperbuffer=128 wave=silence ! audio/x-raw,rate=48000,"
        "channels=1,format=S16LE ! queue ! audioconvert ! queue ! "
        "audioresample ! queue ! identity ! fakesink sync=false ",
        buffers);
  return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
  guint buffers = argc > 1 ? (guint)atoi (argv[1]) : 1500;
  gchar *desc;
  OptBenchRun base[2], opt[2];
  gdouble base_cpu, opt_cpu;
  glong base_cs, opt_cs;
  guint round;
  gint ret = 1;

  gst_init (&argc, &argv);
  desc = description (buffers);
  printf ("gpuoptbin fusion: %d branches x %u buffers, chain "
          "src ! queue ! audioconvert ! queue ! audioresample ! queue ! "
          "identity ! fakesink\n",
      BRANCHES, buffers);
  /* alternate to spread the noise of a shared machine over both */
  for (round = 0; round < 2; round++) {
    GstElement *p = optbench_pipeline (desc, FALSE, NULL);

    if (p == NULL || !optbench_run (p, 60 * GST_SECOND, &base[round]))
      goto out;
    gst_object_unref (p);
    /* priorities off: 64 realtime audio threads running flat out would
     * starve the machine; this measures fusion alone */
    p = optbench_pipeline (desc, TRUE, "enable-priorities=false");
    if (p == NULL || !optbench_run (p, 60 * GST_SECOND, &opt[round]))
      goto out;
    gst_object_unref (p);
    printf ("  round %u: without: cpu %.2f s wall %.2f s ctxsw %ld "
            "streaming threads %u (process %u) | with: cpu %.2f s wall %.2f s "
            "ctxsw %ld streaming threads %u (process %u)\n",
        round, base[round].cpu_s, base[round].wall_s, base[round].ctx_switches,
        base[round].max_streaming, base[round].max_threads, opt[round].cpu_s,
        opt[round].wall_s, opt[round].ctx_switches, opt[round].max_streaming,
        opt[round].max_threads);
  }
  base_cpu = base[0].cpu_s + base[1].cpu_s;
  opt_cpu = opt[0].cpu_s + opt[1].cpu_s;
  base_cs = base[0].ctx_switches + base[1].ctx_switches;
  opt_cs = opt[0].ctx_switches + opt[1].ctx_switches;
  printf ("RESULT cpu: without %.2f s, with %.2f s: %.1f%% less "
          "(target >= 20%%)\n",
      base_cpu, opt_cpu, 100.0 * (1.0 - opt_cpu / base_cpu));
  printf ("RESULT context switches: without %ld, with %ld: %.1fx fewer\n",
      base_cs, opt_cs, opt_cs ? (gdouble)base_cs / opt_cs : 0.0);
  printf ("RESULT streaming threads (peak alive): without %u, with %u: "
          "%.1fx fewer (target >= 4x)\n",
      base[1].max_streaming, opt[1].max_streaming,
      (gdouble)base[1].max_streaming / MAX (opt[1].max_streaming, 1));
  printf ("RESULT per-buffer cpu: without %.2f us, with %.2f us\n",
      base_cpu * 1e6 / (2.0 * BRANCHES * buffers),
      opt_cpu * 1e6 / (2.0 * BRANCHES * buffers));
  ret = 0;
out:
  g_free (desc);
  return ret;
}
