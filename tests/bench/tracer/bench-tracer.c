/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bench-tracer: the CPU time the gpustream tracer adds to a pipeline at a
 * 1 kHz buffer rate. The same live pipeline (videotestsrc at 1000 fps ->
 * gpubatch -> gpuunbatch -> fakesink, four pushes per buffer) runs in child
 * processes of this one, alternately without and with
 * GST_TRACERS=gpustream (default 1 s refresh); each child reports the CPU
 * time (user + system, all its threads, the tracer's server among them)
 * from PLAYING to EOS, so start-up (gst_init, plugin loading) is left out.
 * Tracers are chosen at gst_init, so each side needs its own process.
 * Each pair gives a ratio; the median ratio is the result (the machine's
 * other load moves single runs by more than the tracer does).
 *
 * It also times the pad-push hooks alone in this process (nested pushes
 * through a linked element chain, as in a pipeline), which gives the same
 * overhead without the noise: hook cost x pushes per second.
 *
 *   bench-tracer [pairs] [seconds]      (defaults 4 and 2)
 *
 * It also times one refresh of the tracer (walk, stats, rendering).
 *
 * Exits 1 when the tracer adds more than 2 %: by the median ratio when the
 * pairs agree within 4 % (interquartile), else by the direct figure.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tracer/gstgpustreammetrics.h"

#include <gst/gst.h>
#include <stdlib.h>
#include <time.h>

#define LIMIT_PERCENT 2.0

#define PIPELINE                                                               \
  "videotestsrc is-live=true num-buffers=%u ! "                                \
  "video/x-raw,format=RGB,width=64,height=48,framerate=1000/1 ! "              \
  "gpubatch max-batch-size=1 adaptive=false ! gpuunbatch ! fakesink"
#define PUSHES_PER_BUFFER 4
#define REFRESHES_PER_SECOND 1 /* the tracer's default interval */

static int
run_pipeline (guint seconds)
{
  gchar *desc = g_strdup_printf (PIPELINE, seconds * 1000);
  GstElement *pipeline;
  GstMessage *msg;
  GError *err = NULL;
  struct timespec start, end;
  int ret = 1;

  gst_init (NULL, NULL);
  pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (!pipeline) {
    g_printerr ("bench-tracer: %s\n", err->message);
    g_clear_error (&err);
    return 1;
  }
  /* let the tracer's thread start its server (GIO modules, the first
   * rendering): start-up is not what is measured */
  g_usleep (G_USEC_PER_SEC / 2);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &start);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      (seconds + 30) * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &end);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    g_print ("%.6f\n",
        (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    ret = 0;
  } else
    g_printerr ("bench-tracer: the pipeline did not reach EOS\n");
  gst_clear_message (&msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return ret;
}

/* CPU seconds from PLAYING to EOS of one child run, or a negative value. */
static gdouble
child_cpu (const gchar *self, guint seconds, gboolean traced)
{
  gchar *arg = g_strdup_printf ("%u", seconds);
  const gchar *argv[] = { self, "--child", arg, NULL };
  gchar **envp = g_get_environ ();
  gchar *out = NULL;
  gint status = 1;
  gdouble cpu = -1;

  envp = traced
             ? g_environ_setenv (envp, "GST_TRACERS", "gpustream(port=0)", TRUE)
             : g_environ_unsetenv (envp, "GST_TRACERS");
  if (g_spawn_sync (NULL, (gchar **)argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
          &out, NULL, &status, NULL)
      && g_spawn_check_wait_status (status, NULL))
    cpu = g_ascii_strtod (out, NULL);
  g_free (out);
  g_strfreev (envp);
  g_free (arg);
  return cpu;
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;

  return x < y ? -1 : x > y;
}

/* ns of CPU per pad push that the hooks add: @depth nested pushes through
 * a chain of identity elements, as one buffer crossing a pipeline. */
static gdouble
hook_cost_ns (guint depth, guint rounds)
{
  GstElement *bin = gst_bin_new (NULL), *prev = NULL;
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);
  struct timespec start, end;
  guint i, r;

  for (i = 0; i <= depth; i++) {
    GstElement *e = gst_element_factory_make ("identity", NULL);

    gst_bin_add (GST_BIN (bin), e);
    if (prev) {
      gst_element_link (prev, e);
      g_ptr_array_add (pads, gst_element_get_static_pad (prev, "src"));
    }
    prev = e;
  }

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &start);
  for (r = 0; r < rounds; r++) {
    for (i = 0; i < pads->len; i++)
      gst_gpu_stream_metrics_push_pre (
          gst_util_get_timestamp (), g_ptr_array_index (pads, i), 1);
    for (i = 0; i < pads->len; i++)
      gst_gpu_stream_metrics_push_post (gst_util_get_timestamp ());
  }
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &end);

  g_ptr_array_unref (pads);
  gst_object_unref (bin);
  return ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec))
         / ((gdouble)rounds * depth);
}

/* ns of CPU of one refresh (walk, stats, rendering) of the bench's
 * pipeline. */
static gdouble
refresh_cost_ns (guint rounds)
{
  gchar *desc = g_strdup_printf (PIPELINE, 1);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GPtrArray *tops = g_ptr_array_new ();
  struct timespec start, end;
  guint r;

  g_ptr_array_add (tops, pipeline);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &start);
  for (r = 0; r < rounds; r++) {
    GBytes *prometheus, *json;

    gst_gpu_stream_metrics_render (
        tops, gst_util_get_timestamp (), 1000, &prometheus, &json);
    g_bytes_unref (prometheus);
    g_bytes_unref (json);
  }
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &end);
  g_ptr_array_unref (tops);
  gst_object_unref (pipeline);
  g_free (desc);
  return ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec))
         / rounds;
}

int
main (int argc, char **argv)
{
  guint pairs = 4, seconds = 2, i;
  gdouble plain = 0, traced = 0, median, spread, hook_ns, render_ns, direct;
  gdouble plain_per_s;
  gdouble *ratios;

  if (argc == 3 && g_str_equal (argv[1], "--child"))
    return run_pipeline (atoi (argv[2]));
  if (argc > 1)
    pairs = MAX (1, atoi (argv[1]));
  if (argc > 2)
    seconds = MAX (1, atoi (argv[2]));

  ratios = g_new (gdouble, pairs);
  for (i = 0; i < pairs; i++) {
    /* alternate the order so that drifting load hits both sides alike */
    gboolean first_traced = i % 2;
    gdouble a = child_cpu (argv[0], seconds, first_traced);
    gdouble b = child_cpu (argv[0], seconds, !first_traced);
    gdouble without = first_traced ? b : a, with = first_traced ? a : b;

    if (a <= 0 || b <= 0) {
      g_printerr ("bench-tracer: a child run failed\n");
      return 1;
    }
    plain += without;
    traced += with;
    ratios[i] = with / without;
    g_print ("pair %u: without %.3f s CPU, with the tracer %.3f s CPU "
             "(ratio %.3f)\n",
        i, without, with, ratios[i]);
  }
  qsort (ratios, pairs, sizeof (gdouble), compare_doubles);
  median = pairs % 2 ? ratios[pairs / 2]
                     : (ratios[pairs / 2 - 1] + ratios[pairs / 2]) / 2;
  spread = ratios[(3 * pairs) / 4] - ratios[pairs / 4];
  g_free (ratios);

  gst_init (NULL, NULL);
  hook_ns = hook_cost_ns (PUSHES_PER_BUFFER, 200000);
  render_ns = refresh_cost_ns (200);
  plain_per_s = plain / (pairs * seconds);
  direct
      = (hook_ns * PUSHES_PER_BUFFER * 1000 + render_ns * REFRESHES_PER_SECOND)
        / 1e9 / plain_per_s * 100;

  g_print ("1 kHz, %u pairs of %u s: without %.3f s CPU, with %.3f s "
           "(sum ratio %.4f); median ratio %.4f (%+.2f %%), interquartile "
           "spread of the ratios %.3f\n",
      pairs, seconds, plain, traced, traced / plain, median, (median - 1) * 100,
      spread);
  g_print ("direct: hooks %.0f ns per push x %d pushes x 1000 buffers/s + "
           "one refresh %.0f us per s = %+.2f %% of the pipeline's %.1f ms "
           "CPU per s (limit %.0f %%)\n",
      hook_ns, PUSHES_PER_BUFFER, render_ns / 1e3, direct, plain_per_s * 1e3,
      LIMIT_PERCENT);

  /* the A/B decides when it can resolve the limit; on a loaded machine
   * its pairs scatter more than that, and the direct figure decides */
  if (spread <= 2 * LIMIT_PERCENT / 100) {
    g_print ("result (median ratio): %s\n",
        (median - 1) * 100 <= LIMIT_PERCENT ? "within the limit" : "OVER");
    return (median - 1) * 100 <= LIMIT_PERCENT ? 0 : 1;
  }
  g_print ("result (direct; the A/B spread %.3f cannot resolve %.0f %%): "
           "%s\n",
      spread, LIMIT_PERCENT,
      direct <= LIMIT_PERCENT ? "within the limit" : "OVER");
  return direct <= LIMIT_PERCENT ? 0 : 1;
}
