package previewtest

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkNoMetadata reads a rendition back and fails t if it carries
// metadata: for a JPEG, any APPn segment but APP0 (JFIF) and APP14
// (Adobe), or a COM segment; for a PNG, any text, EXIF or time chunk; for
// either, any planted secret anywhere in its bytes.
func checkNoMetadata(t *testing.T, contentType string, data []byte) {
	t.Helper()
	switch contentType {
	case "image/jpeg":
		for _, m := range JPEGSegments(t, data) {
			assert.False(t, (m >= 0xe1 && m <= 0xed) || m == 0xef || m == 0xfe,
				"the JPEG rendition carries metadata: a segment with marker %#x", m)
		}
	case "image/png":
		for _, c := range pngChunks(t, data) {
			assert.NotContains(t, []string{"eXIf", "tEXt", "zTXt", "iTXt", "tIME", "iCCP"}, c,
				"the PNG rendition carries metadata: a %s chunk", c)
		}
	default:
		t.Errorf("the rendition is %q, neither JPEG nor PNG", contentType)
	}
	for _, s := range secrets {
		assert.False(t, bytes.Contains(data, []byte(s)), "the rendition leaks the original's metadata: %q", s)
	}
}

// JPEGSegments returns the markers of the segments of a JPEG up to its
// first scan, failing t if they do not parse.
func JPEGSegments(t testing.TB, data []byte) []byte {
	t.Helper()
	require.True(t, len(data) > 4 && data[0] == 0xff && data[1] == 0xd8, "not a JPEG")
	var markers []byte
	for i := 2; ; {
		require.Less(t, i+4, len(data), "the JPEG ends before its first scan")
		require.Equal(t, byte(0xff), data[i], "no marker at %d", i)
		m := data[i+1]
		markers = append(markers, m)
		if m == 0xda {
			return markers
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
}

// pngChunks returns the chunk types of a PNG, failing t if they do not
// parse.
func pngChunks(t testing.TB, data []byte) []string {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "not a PNG")
	var types []string
	for i := 8; i < len(data); {
		require.LessOrEqual(t, i+12, len(data), "a PNG chunk is cut short")
		n := int(binary.BigEndian.Uint32(data[i:]))
		types = append(types, string(data[i+4:i+8]))
		i += 12 + n
	}
	return types
}
