package preview

import (
	"image"
	"math"
	"strings"

	"github.com/disintegration/imaging"
)

// BlurHash returns the BlurHash (https://blurha.sh) of img with 4×3
// components: 28 characters a client decodes into a blurred placeholder.
// It works on a copy of img no more than 32 pixels a side, which is all a
// 4×3 hash can tell apart.
func BlurHash(img image.Image) string {
	const cx, cy = 4, 3
	b := img.Bounds()
	w, h := Fit(b.Dx(), b.Dy(), 32)
	small := imaging.Resize(img, w, h, imaging.Box)
	var lin [3][]float64
	for c := range lin {
		lin[c] = make([]float64, w*h)
	}
	for y := range h {
		for x := range w {
			p := small.Pix[y*small.Stride+4*x:]
			for c := range 3 {
				lin[c][y*w+x] = srgbToLinear(p[c])
			}
		}
	}
	var factors [cx * cy][3]float64
	for j := range cy {
		for i := range cx {
			norm := 2.0
			if i == 0 && j == 0 {
				norm = 1
			}
			var f [3]float64
			for y := range h {
				by := math.Cos(math.Pi * float64(j) * float64(y) / float64(h))
				for x := range w {
					basis := math.Cos(math.Pi*float64(i)*float64(x)/float64(w)) * by
					for c := range 3 {
						f[c] += basis * lin[c][y*w+x]
					}
				}
			}
			for c := range 3 {
				f[c] *= norm / float64(w*h)
			}
			factors[j*cx+i] = f
		}
	}
	var sb strings.Builder
	base83(&sb, (cx-1)+(cy-1)*9, 1)
	maxAC := 0.0
	for _, f := range factors[1:] {
		for _, v := range f {
			maxAC = math.Max(maxAC, math.Abs(v))
		}
	}
	q := max(0, min(82, int(math.Floor(maxAC*166-0.5))))
	scale := float64(q+1) / 166
	base83(&sb, q, 1)
	dc := factors[0]
	base83(&sb, int(linearToSRGB(dc[0]))<<16|int(linearToSRGB(dc[1]))<<8|int(linearToSRGB(dc[2])), 4)
	for _, f := range factors[1:] {
		v := 0
		for _, c := range f {
			v = v*19 + max(0, min(18, int(math.Floor(signPow(c/scale, 0.5)*9+9.5))))
		}
		base83(&sb, v, 2)
	}
	return sb.String()
}

const base83Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

// base83 appends v as n base-83 digits.
func base83(sb *strings.Builder, v, n int) {
	for i := n - 1; i >= 0; i-- {
		d := v
		for range i {
			d /= 83
		}
		sb.WriteByte(base83Chars[d%83])
	}
}

func srgbToLinear(v uint8) float64 {
	f := float64(v) / 255
	if f <= 0.04045 {
		return f / 12.92
	}
	return math.Pow((f+0.055)/1.055, 2.4)
}

func linearToSRGB(f float64) uint8 {
	f = math.Max(0, math.Min(1, f))
	if f <= 0.0031308 {
		return uint8(f*12.92*255 + 0.5)
	}
	return uint8((1.055*math.Pow(f, 1/2.4)-0.055)*255 + 0.5)
}

func signPow(v, e float64) float64 {
	return math.Copysign(math.Pow(math.Abs(v), e), v)
}
