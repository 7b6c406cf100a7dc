/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Hill-climber over the batch size, see gstgpubatchadapt.h.
 */
#include "gstgpubatchadapt.h"

/**
 * gst_gpu_batch_adapt_init:
 * @adapt: controller to (re)initialise
 * @min_size: smallest target (>= 1)
 * @max_size: largest target (>= @min_size)
 * @window: batches per measurement (>= 1)
 *
 * Starts sweeping upwards from @min_size: small batches are the cheapest
 * place to start.
 */
void
gst_gpu_batch_adapt_init (
    GstGpuBatchAdapt *adapt, guint min_size, guint max_size, guint window)
{
  g_return_if_fail (adapt != NULL);

  adapt->min_size = MAX (min_size, 1);
  adapt->max_size = MAX (max_size, adapt->min_size);
  adapt->window = MAX (window, 1);
  adapt->target = adapt->min_size;
  adapt->state = GST_GPU_BATCH_ADAPT_SWEEPING;
  adapt->best = 0.0;
  adapt->best_size = adapt->min_size;
  adapt->direction = 1;
  adapt->ref = 0.0;
  adapt->ref_size = adapt->target;
  adapt->n_batches = 0;
  adapt->n_items = 0;
  adapt->busy_ns = 0;
  adapt->n_decisions = 0;
  adapt->pending = 0;
  adapt->streak = 0;
  adapt->patience = GST_GPU_BATCH_ADAPT_PATIENCE;
  adapt->calm = 0;
  adapt->reprobe = FALSE;
  adapt->candidate = 0;
  adapt->candidate_tput = 0.0;
}

static guint
clamp_size (const GstGpuBatchAdapt *adapt, gint64 size)
{
  return (guint)CLAMP (size, (gint64)adapt->min_size, (gint64)adapt->max_size);
}

/* Moves one step in the current direction; settles at a bound. */
static void
step (GstGpuBatchAdapt *adapt)
{
  guint next = clamp_size (adapt, (gint64)adapt->target + adapt->direction);

  if (next == adapt->target) {
    adapt->state = GST_GPU_BATCH_ADAPT_SETTLED;
    return;
  }
  adapt->target = next;
}

static void
settle (GstGpuBatchAdapt *adapt, gdouble baseline)
{
  adapt->reprobe = FALSE;
  adapt->state = GST_GPU_BATCH_ADAPT_SETTLED;
  adapt->ref = baseline;
  adapt->ref_size = adapt->target;
}

/**
 * gst_gpu_batch_adapt_observe:
 * @adapt: controller
 * @throughput: items/s measured at the current target
 *
 * One decision of the hill-climber.
 *
 * Returns: TRUE when the target changed.
 */
gboolean
gst_gpu_batch_adapt_observe (GstGpuBatchAdapt *adapt, gdouble throughput)
{
  guint before;
  gdouble ratio;

  g_return_val_if_fail (adapt != NULL, FALSE);

  before = adapt->target;
  adapt->n_decisions++;

  if (!(throughput > 0.0))
    return adapt->target != before;

  if (adapt->state == GST_GPU_BATCH_ADAPT_SWEEPING) {
    if (throughput > adapt->best * (1.0 + GST_GPU_BATCH_ADAPT_THRESHOLD)) {
      adapt->best = throughput;
      adapt->best_size = adapt->target;
    }
    if (adapt->target < adapt->max_size) {
      adapt->target = clamp_size (adapt, (gint64)adapt->target * 2);
      return adapt->target != before;
    }
    /* swept: refine one item at a time upwards from the best size */
    adapt->state = GST_GPU_BATCH_ADAPT_PROBING;
    adapt->direction = 1;
    adapt->target = adapt->best_size;
    adapt->ref = adapt->best;
    adapt->ref_size = adapt->best_size;
    step (adapt);
    if (adapt->state == GST_GPU_BATCH_ADAPT_SETTLED)
      settle (adapt, adapt->best);
    return adapt->target != before;
  }

  if (adapt->ref <= 0.0) {
    /* first measurement (or settled without baseline): it becomes the
     * reference; probing moves on, settled just holds */
    adapt->ref = throughput;
    adapt->ref_size = adapt->target;
    if (adapt->state == GST_GPU_BATCH_ADAPT_PROBING) {
      step (adapt);
      if (adapt->target == before && adapt->min_size != adapt->max_size) {
        /* started at a bound: probe the other way */
        adapt->direction = -adapt->direction;
        adapt->state = GST_GPU_BATCH_ADAPT_PROBING;
        step (adapt);
      }
    }
    return adapt->target != before;
  }

  if (adapt->state == GST_GPU_BATCH_ADAPT_CHECKING) {
    /* back at ref_size, measured now: the candidate must still win */
    if (adapt->candidate_tput
        > throughput * (1.0 + GST_GPU_BATCH_ADAPT_THRESHOLD)) {
      adapt->state = GST_GPU_BATCH_ADAPT_PROBING;
      adapt->target = adapt->candidate;
      adapt->ref = adapt->candidate_tput;
      adapt->ref_size = adapt->candidate;
      step (adapt);
      if (adapt->state == GST_GPU_BATCH_ADAPT_SETTLED)
        settle (adapt, adapt->candidate_tput);
    } else {
      settle (adapt, throughput);
    }
    return adapt->target != before;
  }

  ratio = throughput / adapt->ref;

  if (adapt->state == GST_GPU_BATCH_ADAPT_PROBING) {
    if (ratio > 1.0 + GST_GPU_BATCH_ADAPT_THRESHOLD && adapt->reprobe) {
      /* the reference was measured while the load changed: check it */
      adapt->state = GST_GPU_BATCH_ADAPT_CHECKING;
      adapt->candidate = adapt->target;
      adapt->candidate_tput = throughput;
      adapt->target = adapt->ref_size;
    } else if (ratio > 1.0 + GST_GPU_BATCH_ADAPT_THRESHOLD) {
      /* better: keep going */
      adapt->ref = throughput;
      adapt->ref_size = adapt->target;
      step (adapt);
      if (adapt->state == GST_GPU_BATCH_ADAPT_SETTLED)
        settle (adapt, throughput);
    } else if (ratio < 1.0 - GST_GPU_BATCH_ADAPT_THRESHOLD) {
      /* worse: the previous size was the better one; after a re-probe its
       * old measurement is stale, so the next one becomes the baseline */
      adapt->target = adapt->ref_size;
      settle (adapt, adapt->reprobe ? 0.0 : adapt->ref);
    } else {
      settle (adapt, throughput);
    }
  } else {
    gint dir;

    if (ratio < 1.0 - GST_GPU_BATCH_ADAPT_THRESHOLD) {
      dir = -1;
    } else if (ratio > 1.0 + GST_GPU_BATCH_ADAPT_THRESHOLD) {
      dir = 1;
    } else {
      adapt->pending = 0;
      /* a long calm earns back the patience spent on noise */
      if (++adapt->calm >= GST_GPU_BATCH_ADAPT_CALM) {
        adapt->calm = 0;
        adapt->patience
            = MAX (adapt->patience / 2, GST_GPU_BATCH_ADAPT_PATIENCE);
      }
      return adapt->target != before;
    }
    adapt->calm = 0;
    /* one odd measurement is noise: act on a streak of them */
    if (adapt->pending != dir) {
      adapt->pending = dir;
      adapt->streak = 0;
    }
    if (++adapt->streak < adapt->patience)
      return adapt->target != before;
    /* each probe makes the next one wait for a streak twice as long: load
     * that keeps changing (other processes) costs few probes, a lasting
     * change is still followed */
    adapt->pending = 0;
    adapt->patience
        = MIN (adapt->patience * 2, GST_GPU_BATCH_ADAPT_MAX_PATIENCE);
    adapt->direction = dir;
    /* the load changed: probe from here with a fresh reference */
    adapt->state = GST_GPU_BATCH_ADAPT_PROBING;
    adapt->reprobe = TRUE;
    adapt->ref = throughput;
    adapt->ref_size = adapt->target;
    step (adapt);
    if (adapt->target == before)
      settle (adapt, throughput);
  }

  return adapt->target != before;
}

/* While searching, a size whose first GST_GPU_BATCH_ADAPT_EARLY_BATCHES
 * batches ran at less than half the best throughput seen cannot win: it is
 * dropped without measuring a whole window. On a real engine a bad size
 * can be ten times slower, so a full window there costs seconds. */
static gboolean
clearly_worse (const GstGpuBatchAdapt *adapt, gdouble throughput)
{
  gdouble ref;

  if (adapt->state == GST_GPU_BATCH_ADAPT_SETTLED
      || adapt->n_batches < GST_GPU_BATCH_ADAPT_EARLY_BATCHES)
    return FALSE;
  ref = adapt->state == GST_GPU_BATCH_ADAPT_SWEEPING ? adapt->best : adapt->ref;
  return ref > 0.0 && throughput < ref * GST_GPU_BATCH_ADAPT_EARLY_RATIO;
}

/**
 * gst_gpu_batch_adapt_record:
 * @adapt: controller
 * @items: valid items of a batch just delivered
 * @busy_ns: time downstream took to accept it (the push call)
 *
 * Accumulates one batch; every `window` batches the throughput
 * items / busy time is passed to gst_gpu_batch_adapt_observe(), or
 * earlier while searching when the size is clearly worse than the best.
 *
 * Returns: TRUE when the target changed.
 */
gboolean
gst_gpu_batch_adapt_record (
    GstGpuBatchAdapt *adapt, guint items, guint64 busy_ns)
{
  gboolean changed = FALSE;
  gdouble tput;

  g_return_val_if_fail (adapt != NULL, FALSE);

  adapt->n_batches++;
  adapt->n_items += items;
  adapt->busy_ns += MAX (busy_ns, 1);
  tput = (gdouble)adapt->n_items * 1e9 / (gdouble)adapt->busy_ns;
  if (adapt->n_batches < adapt->window && !clearly_worse (adapt, tput))
    return changed;

  adapt->n_batches = 0;
  adapt->n_items = 0;
  adapt->busy_ns = 0;
  changed = gst_gpu_batch_adapt_observe (adapt, tput);

  return changed;
}

guint
gst_gpu_batch_adapt_get_target (const GstGpuBatchAdapt *adapt)
{
  g_return_val_if_fail (adapt != NULL, 1);
  return adapt->target;
}

gboolean
gst_gpu_batch_adapt_is_settled (const GstGpuBatchAdapt *adapt)
{
  g_return_val_if_fail (adapt != NULL, FALSE);
  return adapt->state == GST_GPU_BATCH_ADAPT_SETTLED;
}
