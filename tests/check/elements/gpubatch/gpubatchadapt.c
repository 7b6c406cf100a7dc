/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Unit tests of the adaptive batch-size controller on synthetic consumers:
 * cost per batch a + b*n, plus a penalty beyond a per-batch budget of k
 * items, so that items/s peaks at exactly n = k.
 */
#include <gst/check/gstcheck.h>

#include "elements/gpubatch/gstgpubatchadapt.h"

typedef struct
{
  gdouble a_ns;
  gdouble b_ns;
  guint k;
  gdouble penalty_ns;
} Consumer;

static guint64
consumer_cost (const Consumer *c, guint n)
{
  gdouble cost = c->a_ns + c->b_ns * n;

  if (n > c->k)
    cost += c->penalty_ns * (n - c->k);
  return (guint64)cost;
}

/* Feeds full batches of the current target; returns the final target. */
static guint
run (GstGpuBatchAdapt *adapt, const Consumer *c, guint batches)
{
  guint i;

  for (i = 0; i < batches; i++) {
    guint n = gst_gpu_batch_adapt_get_target (adapt);

    fail_unless (n >= adapt->min_size && n <= adapt->max_size);
    gst_gpu_batch_adapt_record (adapt, n, consumer_cost (c, n));
  }
  return gst_gpu_batch_adapt_get_target (adapt);
}

GST_START_TEST (test_adapt_converges_to_budget)
{
  GstGpuBatchAdapt adapt;
  Consumer c = { 8e6, 0.5e6, 0, 20e6 };
  guint k;

  for (k = 2; k <= 6; k++) {
    c.k = k;
    gst_gpu_batch_adapt_init (&adapt, 1, 16, 4);
    fail_unless_equals_int (run (&adapt, &c, 200), k);
    fail_unless (gst_gpu_batch_adapt_is_settled (&adapt));
  }
}

GST_END_TEST;

/* A CPU engine may switch algorithms at some batch size: items/s is flat
 * from 1 to 8 and five times higher at 16. A local climber settles at 1 or
 * 2; the sweep finds 16. */
GST_START_TEST (test_adapt_sweep_finds_non_unimodal_best)
{
  GstGpuBatchAdapt adapt;
  guint i;

  gst_gpu_batch_adapt_init (&adapt, 1, 16, 4);
  for (i = 0; i < 200; i++) {
    guint n = gst_gpu_batch_adapt_get_target (&adapt);
    guint64 cost = n == 16 ? 16 * 6000000 / 5 : n * 6000000;

    gst_gpu_batch_adapt_record (&adapt, n, cost);
  }
  fail_unless_equals_int (gst_gpu_batch_adapt_get_target (&adapt), 16);
  fail_unless (gst_gpu_batch_adapt_is_settled (&adapt));
}

GST_END_TEST;

/* resnet18-like: best at 4, ten times slower at 16. The sweep spends two
 * batches at 16, not a whole window, and still settles at 4. */
GST_START_TEST (test_adapt_drops_a_clearly_worse_size_early)
{
  GstGpuBatchAdapt adapt;
  guint at_16 = 0, i;

  gst_gpu_batch_adapt_init (&adapt, 1, 16, 4);
  for (i = 0; i < 100; i++) {
    guint n = gst_gpu_batch_adapt_get_target (&adapt);
    guint64 cost = n <= 4 ? 30000000 - n * 5000000 : 10000000 + n * 4000000;

    if (n == 16) {
      cost = n * 80000000;
      at_16++;
    }
    gst_gpu_batch_adapt_record (&adapt, n, cost);
  }
  fail_unless_equals_int (at_16, GST_GPU_BATCH_ADAPT_EARLY_BATCHES);
  fail_unless_equals_int (gst_gpu_batch_adapt_get_target (&adapt), 4);
  fail_unless (gst_gpu_batch_adapt_is_settled (&adapt));
}

GST_END_TEST;

GST_START_TEST (test_adapt_starts_at_min)
{
  GstGpuBatchAdapt adapt;

  gst_gpu_batch_adapt_init (&adapt, 3, 9, 4);
  fail_unless_equals_int (gst_gpu_batch_adapt_get_target (&adapt), 3);
}

GST_END_TEST;

GST_START_TEST (test_adapt_grows_to_max_when_linear_gain)
{
  GstGpuBatchAdapt adapt;
  /* cost dominated by the fixed part: every step up gains > 10 % */
  Consumer c = { 100e6, 0.01e6, 1000, 0 };

  gst_gpu_batch_adapt_init (&adapt, 1, 6, 2);
  fail_unless_equals_int (run (&adapt, &c, 100), 6);
}

GST_END_TEST;

GST_START_TEST (test_adapt_settles_when_flat)
{
  GstGpuBatchAdapt adapt;
  /* cost per item only: items/s does not depend on n */
  Consumer c = { 0, 1e6, 1000, 0 };

  gst_gpu_batch_adapt_init (&adapt, 2, 16, 4);
  fail_unless_equals_int (run (&adapt, &c, 100), 3);
  fail_unless (gst_gpu_batch_adapt_is_settled (&adapt));
}

GST_END_TEST;

GST_START_TEST (test_adapt_shrinks_when_throughput_drops)
{
  GstGpuBatchAdapt adapt;
  Consumer c = { 8e6, 0.5e6, 6, 20e6 };

  gst_gpu_batch_adapt_init (&adapt, 1, 16, 4);
  fail_unless_equals_int (run (&adapt, &c, 200), 6);
  /* the consumer gets a tighter budget: throughput at 6 drops > 10 % */
  c.k = 3;
  fail_unless_equals_int (run (&adapt, &c, 200), 3);
}

GST_END_TEST;

/* Load noise: every 8 measurements, two in a row run a third slower at
 * every size. The first such streak starts a probe, which finds nothing
 * better; the controller then waits for longer streaks, so later noise
 * costs no more probes, and it stays at the best size. */
GST_START_TEST (test_adapt_backs_off_after_noise_probes)
{
  GstGpuBatchAdapt adapt;
  Consumer c = { 8e6, 0.5e6, 6, 20e6 };
  guint episode, w, b, probing_episodes = 0;

  gst_gpu_batch_adapt_init (&adapt, 1, 16, 4);
  fail_unless_equals_int (run (&adapt, &c, 200), 6);
  for (episode = 0; episode < 10; episode++) {
    gboolean probed = FALSE;

    for (w = 0; w < 8; w++) {
      for (b = 0; b < 4; b++) {
        guint n = gst_gpu_batch_adapt_get_target (&adapt);
        guint64 cost = consumer_cost (&c, n);

        if (w < 2)
          cost = cost * 3 / 2;
        gst_gpu_batch_adapt_record (&adapt, n, cost);
        probed |= !gst_gpu_batch_adapt_is_settled (&adapt);
      }
    }
    probing_episodes += probed;
  }
  fail_unless (probing_episodes <= 2, "%u of 10 noise streaks started probes",
      probing_episodes);
  fail_unless_equals_int (gst_gpu_batch_adapt_get_target (&adapt), 6);
}

GST_END_TEST;

/* The load rises for exactly two measurements, long enough to start a
 * probe, and is gone when the smaller neighbour is measured: against the
 * reference taken under load, 5 looks better than 6. Re-measuring 6 shows
 * it is not, and the target stays at the best size. */
GST_START_TEST (test_adapt_reprobe_checks_against_a_fresh_measurement)
{
  GstGpuBatchAdapt adapt;
  Consumer c = { 8e6, 0.5e6, 6, 20e6 };
  guint b;

  gst_gpu_batch_adapt_init (&adapt, 1, 16, 4);
  fail_unless_equals_int (run (&adapt, &c, 200), 6);
  while (adapt.n_batches != 0)
    run (&adapt, &c, 1);
  for (b = 0; b < 2 * adapt.window; b++)
    gst_gpu_batch_adapt_record (&adapt, 6, consumer_cost (&c, 6) * 3 / 2);
  fail_unless_equals_int (gst_gpu_batch_adapt_get_target (&adapt), 5);
  fail_unless_equals_int (run (&adapt, &c, 200), 6);
}

GST_END_TEST;

GST_START_TEST (test_adapt_fixed_range)
{
  GstGpuBatchAdapt adapt;
  Consumer c = { 8e6, 0.5e6, 2, 20e6 };

  gst_gpu_batch_adapt_init (&adapt, 4, 4, 1);
  fail_unless_equals_int (run (&adapt, &c, 50), 4);
}

GST_END_TEST;

GST_START_TEST (test_adapt_window_counts_batches)
{
  GstGpuBatchAdapt adapt;

  gst_gpu_batch_adapt_init (&adapt, 1, 8, 3);
  fail_if (gst_gpu_batch_adapt_record (&adapt, 1, 1000));
  fail_if (gst_gpu_batch_adapt_record (&adapt, 1, 1000));
  /* the third batch completes the first measurement: probe upwards */
  fail_unless (gst_gpu_batch_adapt_record (&adapt, 1, 1000));
  fail_unless_equals_int (gst_gpu_batch_adapt_get_target (&adapt), 2);
}

GST_END_TEST;

static Suite *
gpubatchadapt_suite (void)
{
  Suite *s = suite_create ("gpubatchadapt");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_adapt_converges_to_budget);
  tcase_add_test (tc, test_adapt_sweep_finds_non_unimodal_best);
  tcase_add_test (tc, test_adapt_drops_a_clearly_worse_size_early);
  tcase_add_test (tc, test_adapt_starts_at_min);
  tcase_add_test (tc, test_adapt_grows_to_max_when_linear_gain);
  tcase_add_test (tc, test_adapt_settles_when_flat);
  tcase_add_test (tc, test_adapt_shrinks_when_throughput_drops);
  tcase_add_test (tc, test_adapt_backs_off_after_noise_probes);
  tcase_add_test (tc, test_adapt_reprobe_checks_against_a_fresh_measurement);
  tcase_add_test (tc, test_adapt_fixed_range);
  tcase_add_test (tc, test_adapt_window_counts_batches);
  return s;
}

GST_CHECK_MAIN (gpubatchadapt);
