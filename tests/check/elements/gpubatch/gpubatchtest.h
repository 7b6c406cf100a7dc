/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpubatch GstCheck files (gpubatchtest.c).
 */
#pragma once

#include <stdio.h>
#include <string.h>
#include <math.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gst/gstgpubatchmeta.h"
#include "gpu/device/gstgpudevice.h"

G_BEGIN_DECLS

#define GRAY_CAPS                                                              \
  "video/x-raw, format=GRAY8, width=4, height=4, "                             \
  "framerate=25/1"

/* Polls @cond for up to 20 s; the waits are for state, not for timing. */
#define WAIT_UNTIL(cond)                                                       \
  G_STMT_START                                                                 \
  {                                                                            \
    gint64 _end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;               \
    while (!(cond) && g_get_monotonic_time () < _end)                          \
      g_usleep (500);                                                          \
    fail_unless (cond, "timed out waiting for " #cond);                        \
  }                                                                            \
  G_STMT_END

/* "k=v k=v" onto a new gpubatch (device=cpu unless given). */
GstElement *make_batch (const gchar *props);
GstHarness *batch_harness (const gchar *props, const gchar *caps);
GstBuffer *video_buffer (
    const GstVideoInfo *info, guint seed, GstClockTime pts);
GstBuffer *gray_buffer (guint seed, GstClockTime pts);
/* A counter of a stats structure, guint64 or guint. */
guint64 stat_field_u64 (const GstStructure *s, const gchar *field);
guint64 stat_u64 (GstElement *e, const gchar *field);
guint stat_uint (GstElement *e, const gchar *field);
gboolean stat_bool (GstElement *e, const gchar *field);
GstGpuBatchMeta *batch_meta (GstBuffer *buf);
/* GstMiniObjectNotify counting finalized objects in the gint at @counter
 * (atomic): with gst_mini_object_weak_ref () on input buffers, how many
 * gpubatch let go of. */
void count_finalized (gpointer counter, GstMiniObject *obj);

/* A downstream consumer on the harness sink pad: records batches, may
 * block on a gate (released batch by batch) and may cost a + b*n (+ a
 * penalty beyond k items) of sleep; drops the buffer so the pool refills. */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint entered;
  guint allowed; /* G_MAXUINT: open */
  guint batches;
  guint slots;
  guint full_batches;
  GArray *pts;       /* GstClockTime of every valid slot */
  GArray *pad_index; /* guint of every valid slot */
  guint64 cost_a_us, cost_b_us, penalty_us;
  guint budget;
} Sink;

Sink *sink_new (GstPad *pad, guint allowed);
void sink_allow (Sink *sink, guint allowed);
void sink_wait_entered (Sink *sink, guint n);
guint sink_get (Sink *sink, guint *field);
void sink_free (Sink *sink);
void wait_eos_event (GstHarness *h);

/* Pushes @n gray buffers from its own thread, recording items-held after
 * each push. */
typedef struct
{
  GstHarness *h;
  guint n;
  guint first;
  guint done;           /* pushes completed, atomic */
  guint held_after[64]; /* items-held right after each push */
  gboolean stop;
} Producer;

gpointer producer_thread (gpointer data);

/* Batches, full batches, valid slots and slots per source counted by a
 * probe on the sink of run_pipeline(). */

typedef struct
{
  guint batches;
  guint full;
  guint slots;
  guint per_pad[32];
  gboolean bad_index;
} Count;

GstPadProbeReturn count_probe (
    GstPad *pad, GstPadProbeInfo *info, gpointer user_data);
GstMessage *run_pipeline (GstElement *pipeline, Count *count);

G_END_DECLS
