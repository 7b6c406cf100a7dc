#!/usr/bin/python3
# gst-gpustream
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A TorchScript model that raises, run from a Python program that loaded
# libstdc++ before GStreamer (as importing any C++ extension module does:
# Python loads them with RTLD_NOW, so libstdc++ binds libgcc_s's unwinder
# before libgstreamer brings libunwind's). The engine must catch the
# model's exception (gpuinfer reports it as a warning and goes on); the
# process must not abort.
#
#   raising_after_cxx_module.py MODELS_DIR

import ctypes
import os
import struct
import sys

ctypes.CDLL("libstdc++.so.6", mode=os.RTLD_NOW | os.RTLD_LOCAL)

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)
model = os.path.join(sys.argv[1], "raising.pt")
pipeline = Gst.parse_launch(
    "appsrc name=src format=time caps=\"other/tensors, format=(string)static, "
    "num_tensors=(int)1, dimensions=(string)4:2, types=(string)float32, "
    "framerate=(fraction)0/1\" ! gpuinfer model=\"%s\" ! fakesink" % model)
src = pipeline.get_by_name("src")
pipeline.set_state(Gst.State.PLAYING)
# the model raises for values above 1e6
src.emit("push-buffer", Gst.Buffer.new_wrapped(
    struct.pack("8f", 1, 2, 3, 4.0e7, 5, 6, 7, 8)))
src.emit("end-of-stream")
# the raising item is reported in a warning (the model's message in its
# debug text) and the stream ends normally
warning = None
while True:
    msg = pipeline.get_bus().timed_pop_filtered(
        30 * Gst.SECOND,
        Gst.MessageType.WARNING | Gst.MessageType.ERROR | Gst.MessageType.EOS)
    if msg is None or msg.type != Gst.MessageType.WARNING:
        break
    warning = msg.parse_warning()
pipeline.set_state(Gst.State.NULL)
if msg is None or msg.type != Gst.MessageType.EOS:
    sys.exit("expected EOS, got %s" % (msg.type if msg else "nothing"))
if warning is None or "out of range" not in (warning[1] or ""):
    sys.exit("expected a warning carrying the model's message, got %s"
             % (warning,))
print("caught: %s" % warning[0].message)
