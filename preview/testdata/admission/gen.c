/* gen.c writes the JPEGs of TestEstimateCoversPeak with libjpeg, which,
 * unlike Go's encoder, writes every chroma subsampling, progressive scans,
 * RGB and CMYK:
 *   cc -o /tmp/gen gen.c -ljpeg && ./gen.sh
 * usage: gen OUT WIDTH HEIGHT ycc|gray|rgb|cmyk Y-SAMPLING(hv, e.g. 22) PROGRESSIVE(0|1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
	if (argc != 7) {
		fprintf(stderr, "usage: gen OUT WIDTH HEIGHT ycc|gray|rgb|cmyk HV PROGRESSIVE\n");
		return 2;
	}
	int w = atoi(argv[2]), h = atoi(argv[3]), hv = atoi(argv[5]), prog = atoi(argv[6]);
	char *cs = argv[4];
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	FILE *f = fopen(argv[1], "wb");
	if (!f) return 1;
	jpeg_stdio_dest(&c, f);
	c.image_width = w;
	c.image_height = h;
	int n = 3;
	c.in_color_space = JCS_RGB;
	if (cs[0] == 'g') { n = 1; c.in_color_space = JCS_GRAYSCALE; }
	if (cs[0] == 'c') { n = 4; c.in_color_space = JCS_CMYK; }
	c.input_components = n;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 50, TRUE);
	if (cs[0] == 'r') jpeg_set_colorspace(&c, JCS_RGB); /* Adobe transform 0 */
	if (n == 3 && cs[0] == 'y') {
		c.comp_info[0].h_samp_factor = hv / 10;
		c.comp_info[0].v_samp_factor = hv % 10;
		for (int i = 1; i < 3; i++) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
	}
	if (prog) jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	JSAMPLE *row = malloc(w * n);
	while (c.next_scanline < c.image_height) {
		int y = c.next_scanline;
		for (int x = 0; x < w; x++)
			for (int k = 0; k < n; k++)
				row[x * n + k] = (JSAMPLE)((x / 16 * (k + 1) * 3 + y / 16 * 5 + (x / 64 + y / 64) % 2 * 40) & 0xff);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	fclose(f);
	return 0;
}
