# gst-gpustream: ORC programs of the CPU conversion fast paths.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Regenerate the committed backups after editing (meson does it at build
# time when orcc is available):
#   orcc --include glib.h --implementation -o gstgpuconvertorc-dist.c \
#     gstgpuconvertorc.orc
#   orcc --include glib.h --header -o gstgpuconvertorc-dist.h \
#     gstgpuconvertorc.orc

# d1 = s1 * p1 + p2: GRAY8 rows, one plane per output channel.
.function gst_gpu_orc_u8_to_f32
.dest 4 d1 float
.source 1 s1 guint8
.floatparam 4 p1
.floatparam 4 p2
.temp 2 w
.temp 4 l
.temp 4 f

convubw w, s1
convuwl l, w
convlf f, l
mulf f, f, p1
addf d1, f, p2

# d1 = s1 * s2 + s3 with per-element scale and offset rows: packed
# 3-byte rows written interleaved in the same channel order (NHWC).
.function gst_gpu_orc_u8_to_f32_rows
.dest 4 d1 float
.source 1 s1 guint8
.source 4 s2 float
.source 4 s3 float
.temp 2 w
.temp 4 l
.temp 4 f

convubw w, s1
convuwl l, w
convlf f, l
mulf f, f, s2
addf d1, f, s3

# Bytes 0, 1, 2 of each 4-byte pixel to planes d1, d2, d3 with scale
# p1..p3 and offset p4..p6 (RGBA/RGBx/BGRA/BGRx to NCHW).
.function gst_gpu_orc_x4_to_planar_f32
.dest 4 d1 float
.dest 4 d2 float
.dest 4 d3 float
.source 4 s1 guint32
.floatparam 4 p1
.floatparam 4 p2
.floatparam 4 p3
.floatparam 4 p4
.floatparam 4 p5
.floatparam 4 p6
.temp 2 hi
.temp 2 lo
.temp 1 b0
.temp 1 b1
.temp 1 b2
.temp 2 w
.temp 4 l
.temp 4 f

splitlw hi, lo, s1
splitwb b1, b0, lo
convwb b2, hi
convubw w, b0
convuwl l, w
convlf f, l
mulf f, f, p1
addf d1, f, p4
convubw w, b1
convuwl l, w
convlf f, l
mulf f, f, p2
addf d2, f, p5
convubw w, b2
convuwl l, w
convlf f, l
mulf f, f, p3
addf d3, f, p6

# d1 = s1 * p1: S16 audio to float (p1 = 1/32768 normalises).
.function gst_gpu_orc_s16_to_f32
.dest 4 d1 float
.source 2 s1 gint16
.floatparam 4 p1
.temp 4 l
.temp 4 f

convswl l, s1
convlf f, l
mulf d1, f, p1

# d1 = s1 * p1: float scaling (p1 = 1 copies).
.function gst_gpu_orc_f32_scale
.dest 4 d1 float
.source 4 s1 float
.floatparam 4 p1

mulf d1, s1, p1
