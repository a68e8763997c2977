#!/bin/sh
# Writes the JPEGs and WebPs of TestEstimateCoversPeak; see gen.c and genwebp.c.
set -e
cd "$(dirname "$0")"
cc -o /tmp/attachkit-jpeg-gen gen.c -ljpeg
g=/tmp/attachkit-jpeg-gen
for p in 0 1; do
	mode=baseline; [ $p = 1 ] && mode=progressive
	$g $mode-444.jpg 1200 900 ycc 11 $p
	$g $mode-440.jpg 1200 900 ycc 12 $p
	$g $mode-422.jpg 1200 900 ycc 21 $p
	$g $mode-420.jpg 1200 900 ycc 22 $p
	$g $mode-411.jpg 1200 900 ycc 41 $p
	$g $mode-gray.jpg 1200 900 gray 11 $p
	$g $mode-rgb.jpg 1200 900 rgb 11 $p
	$g $mode-cmyk.jpg 1200 900 cmyk 11 $p
done
rm -f $g
cc -o /tmp/attachkit-webp-gen genwebp.c -lwebp
/tmp/attachkit-webp-gen
rm -f /tmp/attachkit-webp-gen
