/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GstGpuBatchMeta: which slots of a fixed-shape batch are valid, and where
 * each came from.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  GST_GPU_SLOT_STATUS_OK = 0,
  GST_GPU_SLOT_STATUS_FAILED,
  GST_GPU_SLOT_STATUS_DROPPED,
  GST_GPU_SLOT_STATUS_CACHE_HIT,
} GstGpuSlotStatus;

const gchar *gst_gpu_slot_status_to_string (GstGpuSlotStatus status);

/**
 * GstGpuBatchSlot:
 * @pad_index: index of the source pad (N of sink_N on gpubatch)
 * @pts, @dts, @duration: timestamps of the item that filled the slot
 * @width, @height: original size (video: pixels; audio: samples per window
 *   and channels; tensors: bytes and 1)
 * @status: slot status
 * @x, @y, @scaled_width, @scaled_height: video only: the rectangle of the
 *   slot, in slot pixels, that the frame was scaled into: the whole slot,
 *   or the centred part of it when gpubatch letterboxes; 0 otherwise
 * @frame: (nullable): the input frame and its caps, when gpubatch keeps
 *   frames (property keep-frames); owned by the meta
 */
typedef struct
{
  guint pad_index;
  GstClockTime pts;
  GstClockTime dts;
  GstClockTime duration;
  guint width;
  guint height;
  GstGpuSlotStatus status;
  guint x;
  guint y;
  guint scaled_width;
  guint scaled_height;
  GstSample *frame;
} GstGpuBatchSlot;

/**
 * GstGpuBatchMeta:
 * @n_slots: batch dimension N of the tensors
 * @n_valid: slots 0..n_valid-1 hold items; the rest are padding
 * @slots: (array length=n_slots): per-slot description
 * @slot_width, @slot_height: video only: the spatial size of a slot in the
 *   batch tensor (the network's input size); 0 for audio and tensors
 */
typedef struct
{
  GstMeta meta;
  guint n_slots;
  guint n_valid;
  GstGpuBatchSlot *slots;
  guint slot_width;
  guint slot_height;
} GstGpuBatchMeta;

GType gst_gpu_batch_meta_api_get_type (void);
#define GST_GPU_BATCH_META_API_TYPE (gst_gpu_batch_meta_api_get_type ())
const GstMetaInfo *gst_gpu_batch_meta_get_info (void);
#define GST_GPU_BATCH_META_INFO (gst_gpu_batch_meta_get_info ())

#define gst_buffer_get_gpu_batch_meta(b)                                       \
  ((GstGpuBatchMeta *)gst_buffer_get_meta ((b), GST_GPU_BATCH_META_API_TYPE))

/* Returns: (transfer none): a meta with @n_slots zeroed slots, n_valid 0,
 * timestamps GST_CLOCK_TIME_NONE. */
GstGpuBatchMeta *gst_buffer_add_gpu_batch_meta (
    GstBuffer *buffer, guint n_slots);

/* Sets @slot's frame to @frame (reffed; NULL clears it). */
void gst_gpu_batch_slot_set_frame (GstGpuBatchSlot *slot, GstSample *frame);

/* Copies @src into @dest, replacing what @dest described; the frame
 * reference moves with it, leaving @src without one. */
void gst_gpu_batch_slot_move (GstGpuBatchSlot *dest, GstGpuBatchSlot *src);

/* Number of slots whose status is @status among the valid ones. */
guint gst_gpu_batch_meta_count_status (
    const GstGpuBatchMeta *meta, GstGpuSlotStatus status);

/* The "sources" event: a sticky custom downstream event gpubatch sends
 * before its first batch and whenever its sink pads change, listing the
 * pad_index of every source that may fill slots. gpuunbatch uses it to know
 * which branches still wait for their first item while prerolling. */
#define GST_GPU_BATCH_SOURCES_EVENT_NAME "GstGpuBatchSources"

/* Returns: (transfer full): the event listing @n_sources @indexes. */
GstEvent *gst_gpu_batch_sources_event_new (
    const guint *indexes, guint n_sources);

/* Returns: (transfer full) (nullable): the source indexes carried by
 * @event, as guint in a GArray, or NULL when @event is not one. */
GArray *gst_gpu_batch_sources_event_parse (GstEvent *event);

G_END_DECLS
