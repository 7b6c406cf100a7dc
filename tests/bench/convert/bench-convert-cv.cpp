/* gst-gpustream
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The OpenCV baseline of bench-convert (see bench-convert-cv.h).
 */
#include "bench-convert-cv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

struct _BenchCv
{
  BenchCvFormat format;
  int width, height, stride;
  int out_width, out_height, out_stride;
  cv::Mat rgb; /* full-size RGB of a YUV frame, kept between frames */
};

BenchCv *
bench_cv_new (BenchCvFormat format, int width, int height, int stride,
    int out_width, int out_height, int out_stride)
{
  BenchCv *cv = new BenchCv ();

  cv::setNumThreads (1);
  cv->format = format;
  cv->width = width;
  cv->height = height;
  cv->stride = stride;
  cv->out_width = out_width;
  cv->out_height = out_height;
  cv->out_stride = out_stride;
  return cv;
}

void
bench_cv_run (BenchCv *cv, const uint8_t *data, uint8_t *out)
{
  void *in = const_cast<uint8_t *> (data);
  int channels = cv->format == BENCH_CV_BGRX ? 4 : 3;
  cv::Mat dst (
      cv->out_height, cv->out_width, CV_8UC (channels), out, cv->out_stride);

  switch (cv->format) {
    case BENCH_CV_RGB:
    case BENCH_CV_BGRX:
      cv::resize (
          cv::Mat (cv->height, cv->width, CV_8UC (channels), in, cv->stride),
          dst, dst.size (), 0, 0, cv::INTER_LINEAR);
      break;
    case BENCH_CV_NV12:
    case BENCH_CV_I420:
      cv::cvtColor (
          cv::Mat (cv->height * 3 / 2, cv->width, CV_8UC1, in, cv->stride),
          cv->rgb,
          cv->format == BENCH_CV_NV12 ? cv::COLOR_YUV2RGB_NV12
                                      : cv::COLOR_YUV2RGB_I420);
      cv::resize (cv->rgb, dst, dst.size (), 0, 0, cv::INTER_LINEAR);
      break;
  }
}

void
bench_cv_free (BenchCv *cv)
{
  delete cv;
}
