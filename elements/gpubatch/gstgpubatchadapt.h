/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The adaptive batch-size controller of gpubatch: a small hill-climber over
 * the target batch size driven by measured downstream throughput. Plain
 * GLib, no GStreamer, so it is unit-tested on synthetic cost curves.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Relative change of throughput that counts as better or worse. */
#define GST_GPU_BATCH_ADAPT_THRESHOLD 0.10
/* Batches measured at one size before a decision. */
#define GST_GPU_BATCH_ADAPT_DEFAULT_WINDOW 4
/* While searching, a size measured over this many batches at less than
 * this fraction of the best throughput so far is decided on at once. */
#define GST_GPU_BATCH_ADAPT_EARLY_BATCHES 2
#define GST_GPU_BATCH_ADAPT_EARLY_RATIO 0.5
/* Once settled, measurements in a row that must agree on a >10 % change
 * before a new probe: doubled by each probe up to the maximum, halved by
 * each run of GST_GPU_BATCH_ADAPT_CALM measurements without a change. */
#define GST_GPU_BATCH_ADAPT_PATIENCE 2
#define GST_GPU_BATCH_ADAPT_MAX_PATIENCE 32
#define GST_GPU_BATCH_ADAPT_CALM 16

typedef enum {
  GST_GPU_BATCH_ADAPT_SWEEPING, /* measuring min, 2 min, 4 min, ... max */
  GST_GPU_BATCH_ADAPT_PROBING,  /* moving one step at a time */
  GST_GPU_BATCH_ADAPT_CHECKING, /* re-measuring ref_size after a re-probe
                                 * found a better neighbour */
  GST_GPU_BATCH_ADAPT_SETTLED,  /* holding; re-probes on a >10% change */
} GstGpuBatchAdaptState;

/**
 * GstGpuBatchAdapt:
 *
 * First sweeps the sizes min, 2 min, 4 min, ..., max and keeps the
 * smallest one no other beats by more than 10 % (throughput curves are not
 * always unimodal: a CPU engine may switch algorithms at some batch size).
 * From there, grow one item at a time while items/s improves by more than
 * 10 %, step back and settle when it drops by more than 10 %, settle
 * otherwise; once settled, a drop of more
 * than 10 % in two measurements in a row starts shrinking and such a rise
 * starts growing; each such probe doubles the streak the next one needs.
 * A re-probe runs while the load is changing, so a neighbour that looks
 * better is only taken after the current size, measured again, loses to
 * it too.
 * Not thread-safe: the owner serialises calls.
 */
typedef struct
{
  guint min_size;
  guint max_size;
  guint target;
  guint window;
  GstGpuBatchAdaptState state;
  gint direction; /* +1 grow, -1 shrink */
  gdouble ref;    /* items/s at ref_size (0: none yet) */
  guint ref_size;
  /* measurement in progress at target */
  guint n_batches;
  guint64 n_items;
  guint64 busy_ns;
  guint n_decisions;
  gint pending;     /* settled: direction of the current streak, or 0 */
  guint streak;     /* measurements in a row in that direction */
  guint patience;   /* streak that starts a probe */
  guint calm;       /* measurements in a row without a change */
  gboolean reprobe; /* probing because the settled load changed */
  guint candidate;  /* checking: the neighbour that looked better */
  gdouble candidate_tput;
  gdouble best; /* sweeping: best items/s so far, at best_size */
  guint best_size;
} GstGpuBatchAdapt;

void gst_gpu_batch_adapt_init (
    GstGpuBatchAdapt *adapt, guint min_size, guint max_size, guint window);
gboolean gst_gpu_batch_adapt_record (
    GstGpuBatchAdapt *adapt, guint items, guint64 busy_ns);
gboolean gst_gpu_batch_adapt_observe (
    GstGpuBatchAdapt *adapt, gdouble throughput);
guint gst_gpu_batch_adapt_get_target (const GstGpuBatchAdapt *adapt);
gboolean gst_gpu_batch_adapt_is_settled (const GstGpuBatchAdapt *adapt);

G_END_DECLS
