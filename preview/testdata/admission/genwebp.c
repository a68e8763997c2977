/* genwebp.c writes the WebPs of TestEstimateCoversPeak with libwebp:
 * lossy, lossy with alpha (an ALPH chunk) and lossless.
 *   cc -o /tmp/genwebp genwebp.c -lwebp && /tmp/genwebp
 */
#include <stdio.h>
#include <stdlib.h>
#include <webp/encode.h>

static int save(const char *name, uint8_t *out, size_t n) {
	FILE *f = fopen(name, "wb");
	if (!f || fwrite(out, 1, n, f) != n) return 1;
	fclose(f);
	WebPFree(out);
	return 0;
}

int main(void) {
	const int w = 1200, h = 900;
	uint8_t *rgba = malloc(w * h * 4);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t *p = rgba + 4 * (y * w + x);
			p[0] = (uint8_t)(x / 16 * 3 + (x / 64 + y / 64) % 2 * 40);
			p[1] = (uint8_t)(y / 16 * 5);
			p[2] = (uint8_t)((x + y) / 32 * 7);
			p[3] = (uint8_t)(x < w / 2 ? 255 : 128 + y / 8 % 64);
			if (x < 160 && y < 160) /* noise: Huffman codes of many symbols */
				p[1] = (uint8_t)((x * 2654435761u + y * 40503u) >> 13);
		}
	uint8_t *out;
	size_t n;
	n = WebPEncodeRGBA(rgba, w, h, 4 * w, 75, &out);
	if (!n || save("lossy-alpha.webp", out, n)) return 1;
	n = WebPEncodeLosslessRGBA(rgba, w, h, 4 * w, &out);
	if (!n || save("lossless.webp", out, n)) return 1;
	for (int i = 0; i < w * h; i++) rgba[4 * i + 3] = 255;
	n = WebPEncodeRGBA(rgba, w, h, 4 * w, 75, &out);
	if (!n || save("lossy.webp", out, n)) return 1;
	return 0;
}
