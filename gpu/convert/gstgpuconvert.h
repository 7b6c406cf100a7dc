/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Writing one item (video frame, audio window, tensor) into one slot of a
 * batch tensor: colour conversion, bilinear scaling, normalisation, layout
 * and dtype in one pass. The plan is made once per caps; the function it
 * picks (CUDA kernel, ORC fast path or plain C) is called per item.
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include "gst/gstgputensorinfo.h"
#include "gpu/device/gstgpudevice.h"

G_BEGIN_DECLS

typedef enum {
  GST_GPU_LAYOUT_NCHW,
  GST_GPU_LAYOUT_NHWC,
} GstGpuLayout;

GType gst_gpu_layout_get_type (void);
#define GST_TYPE_GPU_LAYOUT (gst_gpu_layout_get_type ())

/* Output channel order of a video slot. */
typedef enum {
  GST_GPU_COLOR_RGB,
  GST_GPU_COLOR_BGR,
  GST_GPU_COLOR_GRAY,
} GstGpuColor;

GType gst_gpu_color_get_type (void);
#define GST_TYPE_GPU_COLOR (gst_gpu_color_get_type ())

/* How a frame fills its slot. */
typedef enum {
  GST_GPU_SCALE_STRETCH,   /* the whole slot, aspect ratio not kept */
  GST_GPU_SCALE_LETTERBOX, /* aspect ratio kept, centred, padded */
} GstGpuScaleMode;

GType gst_gpu_scale_mode_get_type (void);
#define GST_TYPE_GPU_SCALE_MODE (gst_gpu_scale_mode_get_type ())

/**
 * GstGpuVideoSlotFormat:
 * @width, @height: slot size
 * @color: output channels (3 for RGB/BGR, 1 for GRAY)
 * @layout: CHW or HWC inside the slot
 * @dtype: FLOAT32, FLOAT16 or UINT8
 * @scale, @offset: per output channel, y = x * scale[c] + offset[c] with x
 *   the 0..255 pixel value; `(x/255 - mean)/std` is scale = 1/(255 std),
 *   offset = -mean/std. uint8 output rounds and saturates.
 * @scale_mode: stretch (the frame fills the slot) or letterbox (the frame
 *   keeps its display aspect ratio, centred; the rest of the slot is
 *   padding)
 * @pad_value: letterbox: the value, on the 0..255 pixel scale, of every
 *   channel of the padding before normalisation (0: black)
 */
typedef struct
{
  guint width;
  guint height;
  GstGpuColor color;
  GstGpuLayout layout;
  GstGpuDType dtype;
  gfloat scale[3];
  gfloat offset[3];
  GstGpuScaleMode scale_mode;
  gfloat pad_value;
} GstGpuVideoSlotFormat;

guint gst_gpu_video_slot_format_channels (const GstGpuVideoSlotFormat *fmt);
/* Bytes of one slot. */
gsize gst_gpu_video_slot_format_size (const GstGpuVideoSlotFormat *fmt);

/**
 * GstGpuSlotRect:
 * @x, @y, @width, @height: a rectangle of a slot, in slot pixels
 */
typedef struct
{
  guint x;
  guint y;
  guint width;
  guint height;
} GstGpuSlotRect;

/**
 * gst_gpu_video_slot_format_fit:
 * @fmt: the slot format
 * @in_info: the frames going into it
 * @rect: (out): the part of the slot the frames are scaled into
 *
 * Stretch: the whole slot. Letterbox: the largest rectangle with the
 * display aspect ratio of @in_info (pixel aspect ratio included), at
 * least one pixel each way, centred (an odd leftover pixel goes to the
 * right or bottom padding).
 */
void gst_gpu_video_slot_format_fit (const GstGpuVideoSlotFormat *fmt,
    const GstVideoInfo *in_info, GstGpuSlotRect *rect);

/* Input formats accepted in system memory (and on CUDA). */
#define GST_GPU_CONVERT_VIDEO_FORMATS                                          \
  "{ RGB, BGR, RGBA, BGRA, RGBx, BGRx, GRAY8, NV12, I420 }"

typedef struct _GstGpuVideoConvert GstGpuVideoConvert;

/**
 * gst_gpu_video_convert_new:
 * @device: (nullable): CUDA device to run on, or NULL/CPU device for the CPU
 *
 * Plans the conversion of frames of @in_info into slots of @out. Chooses the
 * implementation once (CUDA kernel; ORC when no scaling or padding is
 * needed; plain C otherwise). Returns NULL with @error set for an unsupported format.
 *
 * Returns: (transfer full) (nullable)
 */
GstGpuVideoConvert *gst_gpu_video_convert_new (const GstVideoInfo *in_info,
    const GstGpuVideoSlotFormat *out, GstGpuDevice *device, GError **error);
void gst_gpu_video_convert_free (GstGpuVideoConvert *convert);
/* Name of the chosen implementation: "cuda", "orc" or "c". */
const gchar *gst_gpu_video_convert_get_impl (GstGpuVideoConvert *convert);

/**
 * gst_gpu_video_convert_set_threads:
 * @threads: threads converting one frame on the CPU; 0 (the default): one
 *   per core
 *
 * The "c" variant splits a frame of at least 128 x 128 output pixels into
 * bands of output rows, converted by the calling thread and helpers from a
 * process-wide pool of (cores - 1) threads; 1 keeps every frame on the
 * calling thread. Not to be called while a frame is being converted.
 */
void gst_gpu_video_convert_set_threads (
    GstGpuVideoConvert *convert, guint threads);

/**
 * gst_gpu_video_convert_frame:
 * @frame: mapped input frame (system memory, or CUDA memory mapped with
 *   GST_MAP_CUDA on the CUDA path)
 * @dst: slot start: host pointer for the CPU, CUdeviceptr for CUDA
 *
 * Converts one frame into one slot. On CUDA the work is queued on the
 * device's stream; a frame in system memory is first copied through the
 * plan's pinned staging. On the CPU a plan may be used from several threads
 * at once; on CUDA calls on one plan must be serialised (the staging is
 * per plan). Allocates nothing, except a small job record when the frame
 * is split across threads (gst_gpu_video_convert_set_threads ()).
 *
 * Returns: FALSE when the frame's format or size differs from the plan's,
 * or a driver call failed (logged).
 */
gboolean gst_gpu_video_convert_frame (
    GstGpuVideoConvert *convert, const GstVideoFrame *frame, gpointer dst);

/* Plain C reference of the same conversion, for tests: writes to host
 * memory, no ORC, no CUDA. */
void gst_gpu_video_convert_reference (
    const GstVideoFrame *frame, const GstGpuVideoSlotFormat *out, gpointer dst);

/**
 * gst_gpu_convert_samples:
 *
 * Audio and tensor items: converts @n interleaved samples of @in_dtype
 * (S16 samples are scaled to [-1, 1) for float outputs) to @out_dtype at
 * @dst (host or CUdeviceptr per @device). Used for audio windows (F32/S16 to
 * a [channels x window] slot, interleaved kept) and single-tensor inputs
 * (type cast or copy).
 *
 * @src is host memory on every device; on CUDA the converted samples are
 * copied to @dst on the device's stream. With @normalize_int, integer
 * inputs written to a float type are scaled by 1 / 2^(bits-1) (signed) or
 * 1 / (2^bits - 1) (unsigned); integer outputs are rounded (half away from
 * zero) and saturated; float16 rounds to nearest even.
 *
 * Returns: FALSE for an unsupported type or a failed device call.
 */
gboolean gst_gpu_convert_samples (GstGpuDevice *device, GstGpuDType in_dtype,
    const gpointer src, GstGpuDType out_dtype, gpointer dst, gsize n,
    gboolean normalize_int);

G_END_DECLS
