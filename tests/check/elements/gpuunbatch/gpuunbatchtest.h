/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by the gpuunbatch GstCheck files (gpuunbatchtest.c):
 * collecting what each src pad emits, batches built by hand, harness set-up,
 * stats and error checks.
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "gst/gstgpubatchmeta.h"
#include "gst/gstgputensorinfo.h"
#include "tests/check/common/elementcheck.h"

G_BEGIN_DECLS

#define MAX_SOURCES 32

/* Two tensors, batch of 8: uint8 16:8 (16 bytes a slot) and float32 4:2:8
 * (32 bytes a slot). */
#define BATCH 8
#define SLOT0 16
#define SLOT1 32

#define CAPS_2T                                                                \
  "other/tensors, format=(string)static, num_tensors=(int)2, "                 \
  "dimensions=(string)\"16:8,4:2:8\", types=(string)\"uint8,float32\", "       \
  "framerate=(fraction)30/1"

typedef struct
{
  GstPad *sinkpad;
  GQueue buffers;
  GQueue events;
  gboolean eos;
} Output;

typedef struct
{
  GMutex lock;
  Output out[MAX_SOURCES];
  guint pads_added;
  /* bit N set: do not link src_N when it appears */
  guint32 unlinked_mask;
} Collector;

typedef struct
{
  guint src;
  guint seq;
  GstGpuSlotStatus status;
} SlotSpec;

GstFlowReturn collector_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buffer);
gboolean collector_event (GstPad *pad, GstObject *parent, GstEvent *event);
guint pad_index (GstPad *pad);
void collector_link (Collector *c, GstPad *srcpad);
void on_pad_added (GstElement *element, GstPad *pad, Collector *c);
void collector_init (Collector *c, GstElement *unbatch);
void output_clear (Output *o);
void collector_clear (Collector *c);
GstEvent *output_find_event (Output *o, GstEventType type);
guint output_count_events (Output *o, GstEventType type);
guint8 item_byte (guint src, guint seq, guint tensor, gsize i);
GstClockTime item_pts (guint src, guint seq);
GstClockTime item_dts (guint src, guint seq);
GstClockTime item_duration (guint src, guint seq);
GstBuffer *make_batch_full (
    const SlotSpec *spec, guint n_valid, guint n_slots, gboolean with_meta);
GstBuffer *make_batch (const SlotSpec *spec, guint n_valid);
void check_item (GstBuffer *item, guint src, guint seq);
GstHarness *setup_harness (Collector *c, GstBus **bus);
gboolean push_stream_start (GstHarness *h, const gchar *caps_str);
guint64 stats_get_pad (GstElement *element, guint index, const gchar *field);
guint count_src_pads (GstElement *element);
void check_error (GstBus *bus, const gchar *const *needles);
GstElement *parse_with_sinks (GString *desc, guint n_sinks);
void connect_handoffs (
    GstElement *pipeline, guint n_sinks, GCallback callback, gpointer data);
void wait_for_eos (GstElement *pipeline);
void run_to_eos (GstElement *pipeline);
void teardown (GstHarness *h, Collector *c, GstBus *bus);

G_END_DECLS
