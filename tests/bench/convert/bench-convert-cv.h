/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The OpenCV baseline of bench-convert: cv::cvtColor (YUV inputs) and
 * cv::resize (INTER_LINEAR) on one thread, as a user of OpenCV would scale
 * a frame before normalising it.
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  BENCH_CV_RGB,  /* 3 bytes per pixel, resized to RGB */
  BENCH_CV_BGRX, /* 4 bytes per pixel, resized to BGRx */
  BENCH_CV_NV12, /* contiguous planes, converted to RGB, then resized */
  BENCH_CV_I420,
} BenchCvFormat;

typedef struct _BenchCv BenchCv;

/* Plans the scaling of @width x @height frames of @format into an
 * @out_width x @out_height image of 3 (RGB) or 4 (BGRx) bytes per pixel,
 * rows @out_stride bytes apart. Sets OpenCV to one thread. */
BenchCv *bench_cv_new (BenchCvFormat format, int width, int height, int stride,
    int out_width, int out_height, int out_stride);
/* Scales the frame at @data (planes contiguous) into @out. */
void bench_cv_run (BenchCv *cv, const uint8_t *data, uint8_t *out);
void bench_cv_free (BenchCv *cv);

#ifdef __cplusplus
}
#endif
