"""Writes photographs shipped with Debian's python3-skimage as PNG files:
astronaut.png (one face), coffee.png and chelsea.png (no face).

Usage: /usr/bin/python3 gen_photos.py OUTDIR
"""
import os
import sys

from PIL import Image
from skimage import data

PHOTOS = ("astronaut", "coffee", "chelsea")


def main():
    outdir = sys.argv[1]
    for name in PHOTOS:
        Image.fromarray(getattr(data, name)()).save(
            os.path.join(outdir, name + ".png"))


if __name__ == "__main__":
    main()
