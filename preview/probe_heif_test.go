package preview_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// box returns an ISOBMFF box.
func box(typ string, body ...[]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = append(b, typ...)
	for _, p := range body {
		b = append(b, p...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

// heifWith returns a HEIF header whose primary item (1) is 4032×3024 and
// has the given extra properties (irot, imir) associated.
func heifWith(extra ...[]byte) []byte {
	ispe := box("ispe", []byte{0, 0, 0, 0}, binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 4032), 3024))
	props := append([][]byte{ispe}, extra...)
	ipco := box("ipco", props...)
	assoc := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 1, byte(len(props))} // version 0, one item: id 1
	for i := range props {
		assoc = append(assoc, byte(i+1)|0x80)
	}
	ipma := box("ipma", assoc)
	pitm := box("pitm", []byte{0, 0, 0, 0, 0, 1})
	meta := box("meta", []byte{0, 0, 0, 0}, pitm, box("iprp", ipco, ipma))
	return append(box("ftyp", []byte("heic\x00\x00\x00\x00mif1heic")), meta...)
}

// TestProbeHEIFTransformations checks irot (anticlockwise quarter turns)
// and imir (mirror about a vertical axis, 0, or a horizontal one, 1) read
// as the EXIF orientation that shows the same picture.
func TestProbeHEIFTransformations(t *testing.T) {
	irot := func(n byte) []byte { return box("irot", []byte{n}) }
	imir := func(axis byte) []byte { return box("imir", []byte{axis}) }
	tests := []struct {
		name  string
		props [][]byte
		want  int
	}{
		{"none", nil, 1},
		{"a quarter turn anticlockwise", [][]byte{irot(1)}, 8},
		{"half a turn", [][]byte{irot(2)}, 3},
		{"a quarter turn clockwise", [][]byte{irot(3)}, 6},
		{"mirrored left to right", [][]byte{imir(0)}, 2},
		{"mirrored top to bottom", [][]byte{imir(1)}, 4},
		{"a quarter turn anticlockwise, then mirrored left to right", [][]byte{irot(1), imir(0)}, 7},
		{"a quarter turn clockwise, then mirrored left to right", [][]byte{irot(3), imir(0)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := preview.Probe(bytes.NewReader(heifWith(tt.props...)))
			require.NoError(t, err, "a valid HEIF header was refused")
			assert.Equal(t, 4032, h.Width, "ispe was misread")
			assert.Equal(t, 3024, h.Height, "ispe was misread")
			assert.Equal(t, tt.want, h.Orientation, "the picture would be shown turned the wrong way")
		})
	}
}
