/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internals of gpubatch shared by the element (gstgpubatch.c: properties,
 * states, source task, queries, stats) and its sink pads
 * (gstgpubatchpad.c: caps, items, backpressure).
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/audio/audio.h>

#include "gst/gstgputensorinfo.h"
#include "gst/gstgpubatchmeta.h"
#include "gst/gstgpustats.h"
#include "gpu/device/gstgpudevice.h"
#include "gpu/convert/gstgpuconvert.h"

#include "elements/gpubatch/gstgpubatch.h"
#include "elements/gpubatch/gstgpubatchadapt.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_gpu_batch_debug);
#define GST_CAT_DEFAULT gst_gpu_batch_debug

/* What the batch is made of; fixed by the first caps until READY. */
typedef enum {
  GST_GPU_BATCH_KIND_NONE,
  GST_GPU_BATCH_KIND_VIDEO,
  GST_GPU_BATCH_KIND_AUDIO,
  GST_GPU_BATCH_KIND_TENSOR,
} GstGpuBatchKind;

/* One batch buffer: filling, then waiting in the ready queue. Writers
 * convert into their reserved slot without the lock; the batch may be
 * pushed once n_written == n_reserved. */
typedef struct
{
  GstBuffer *buffer;
  GstMapInfo map;
  guint8 *base; /* host pointer or CUdeviceptr */
  GstGpuBatchMeta *meta;
  guint n_reserved;
  guint n_written;
  gboolean closed;            /* no more slots handed out */
  gboolean discarded;         /* dropped or flushed while being written */
  GstClockTime first_arrival; /* monotonic ns of slot 0 */
  GstClockTime *arrivals;     /* monotonic ns per slot */
} GstGpuBatchBuf;

struct _GstGpuBatchPad
{
  GstPad parent;

  guint index; /* N of sink_N */

  /* streaming thread of this pad (pad stream lock) */
  GstGpuBatchKind kind;
  GstCaps *caps;
  GstSegment segment;
  GstVideoInfo vinfo;
  gboolean cuda_memory;
  GstGpuVideoConvert *convert;
  GstGpuSlotRect rect; /* where frames go in their slot */
  GstAudioInfo ainfo;
  GstGpuDType in_dtype;
  guint8 *acc;            /* one window of interleaved samples */
  guint acc_frames;       /* frames in acc */
  guint64 skip_frames;    /* frames to drop when hop > window */
  guint64 acc_start;      /* stream frame index of acc[0] */
  guint64 next_frame;     /* stream frame index of the next input */
  guint64 sent_end;       /* frames before this were all sent */
  GstClockTime anchor_rt; /* running time of anchor_frame, or NONE */
  guint64 anchor_frame;
  GstGpuTensorInfo tinfo;
  gsize in_item_size;

  /* protected by the element lock */
  gboolean eos;
  gboolean flushing;
  gboolean counted_flush; /* flushing by FLUSH_START */
  gboolean waiting;       /* an item of this pad waits for a slot */
  guint share;            /* slots taken in batch number share_seq */
  guint64 share_seq;
};

struct _GstGpuBatch
{
  GstElement parent;

  GstPad *srcpad;

  GMutex lock;
  GCond item_add; /* src task: batch ready, deadline, eos */
  GCond item_del; /* producers: room, resume, acquire done */

  /* properties, protected by lock (device_handle: object lock) */
  GstGpuDeviceHandle device_handle;
  guint min_batch;
  guint max_batch;
  gboolean adaptive;
  gdouble memory_target;
  GstClockTime max_latency;
  guint width;
  guint height;
  GstGpuLayout layout;
  GstGpuBatchDType dtype;
  GstGpuColor color;
  GstGpuScaleMode scale_mode;
  gdouble pad_value;
  gboolean keep_frames;
  GValue mean;
  GValue std;
  GValue scale;
  GValue offset;
  guint window_samples;
  guint hop_samples;
  guint capacity;
  gdouble pause_threshold;
  gdouble resume_threshold;
  GstGpuBatchOverflow overflow;
  guint64 memory_limit;
  GstClockTime stats_interval;

  /* streaming state, protected by lock */
  GstGpuDevice *device;
  gboolean negotiated;
  gboolean config_failed; /* the batch could not be set up; reported */
  GstGpuBatchKind kind;
  GstGpuVideoSlotFormat vfmt;
  guint channels;
  guint window; /* audio window (frames) */
  guint hop;
  GstGpuTensorInfo item_info; /* one item of the batch */
  GstGpuDType out_dtype;
  gsize item_size;
  guint n_slots; /* max-batch-size at negotiation */
  GstCaps *src_caps;
  GstClockTime item_duration; /* NONE when unknown */
  GstBufferPool *pool;
  guint pool_size;

  GstGpuBatchBuf *filling;
  guint64 filling_seq; /* number of the filling batch, for pad shares */
  gboolean acquiring;  /* a producer is acquiring a buffer */
  GQueue ready;        /* closed batches, oldest first */
  guint held;          /* items reserved in filling + ready */
  guint eff_capacity;
  guint max_buffers; /* batch buffers held at most (filling + ready) */
  guint mem_cap;     /* items allowed by memory-target */
  guint target;
  GstGpuBatchAdapt adapt;
  gboolean paused;
  GstClockTime pause_start;

  GstFlowReturn srcresult;
  gboolean src_active;
  guint n_flushing_pads;
  GPtrArray *pads; /* every sink pad (no ref: the element holds them) */
  guint n_waiting; /* pads with an item waiting for a slot */
  guint n_eos_pads;
  gboolean need_sources; /* the set of live sources changed */
  gboolean eos;
  gboolean need_stream_start;
  gboolean need_caps;
  gboolean need_segment;
  guint64 batch_seq;

  /* stats, protected by lock */
  guint64 items_in;
  guint64 items_out;
  guint64 items_dropped;
  guint64 items_failed;
  guint64 batches;
  guint64 pause_count;
  GstClockTime pause_time;
  GstGpuLatencyHistogram hist;
  GstGpuThroughputMeter meter;
  GstGpuStatsTimer timer;
};

#define GST_GPU_BATCH_LOCK(b) g_mutex_lock (&(b)->lock)
#define GST_GPU_BATCH_UNLOCK(b) g_mutex_unlock (&(b)->lock)

/* Monotonic ns, same origin as g_get_monotonic_time () (g_cond_wait_until
 * counts in it). */
#define GST_GPU_BATCH_NOW() ((GstClockTime)g_get_monotonic_time () * 1000)

/* Flow return of gst_gpu_batch_reserve () when the item was dropped by
 * overflow=drop-newest: the caller returns OK upstream. */
#define GST_GPU_BATCH_FLOW_DROPPED GST_FLOW_CUSTOM_SUCCESS

/* gstgpubatchpad.c */
GstGpuBatchPad *gst_gpu_batch_pad_new (
    GstGpuBatch *self, GstPadTemplate *templ, const gchar *name, guint index);
void gst_gpu_batch_pad_reset (GstGpuBatchPad *pad);

/* gstgpubatchflow.c, called by the pads and the element */
GstFlowReturn gst_gpu_batch_reserve (GstGpuBatch *self, GstGpuBatchPad *pad,
    GstGpuBatchBuf **out_batch, guint *out_slot);
void gst_gpu_batch_finish_slot (
    GstGpuBatch *self, GstGpuBatchBuf *batch, guint slot, gboolean ok);
gboolean gst_gpu_batch_negotiate_input (GstGpuBatch *self, GstGpuBatchPad *pad,
    GstGpuBatchKind kind, GstCaps *caps);
void gst_gpu_batch_post_caps_error (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstCaps *caps, const gchar *reason);
void gst_gpu_batch_pad_eos (GstGpuBatch *self, GstGpuBatchPad *pad);
void gst_gpu_batch_pad_flush_start (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstEvent *event);
void gst_gpu_batch_pad_flush_stop (
    GstGpuBatch *self, GstGpuBatchPad *pad, GstEvent *event);
void gst_gpu_batch_pad_set_active (
    GstGpuBatch *self, GstGpuBatchPad *pad, gboolean active);

void gst_gpu_batch_drop_all_locked (GstGpuBatch *self);
void gst_gpu_batch_check_all_eos_locked (GstGpuBatch *self);

/* gstgpubatchflow.c, source pad */
void gst_gpu_batch_loop (GstPad *pad);
gboolean gst_gpu_batch_src_activate_mode (
    GstPad *pad, GstObject *parent, GstPadMode mode, gboolean active);
gboolean gst_gpu_batch_src_query (
    GstPad *pad, GstObject *parent, GstQuery *query);
gboolean gst_gpu_batch_src_event (
    GstPad *pad, GstObject *parent, GstEvent *event);

G_END_DECLS
