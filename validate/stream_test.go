package validate_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// bigPNG returns a PNG signature and header followed by n-len(header) bytes
// of noise: sniffed as image/png, and larger than Check's header.
func bigPNG(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, sample(t, "photo.png"))
	return b
}

// TestStreamReplaysFromZero checks that the stream yields the whole file from
// its first byte and reads each byte of the source once.
func TestStreamReplaysFromZero(t *testing.T) {
	for _, size := range []int{1, 89, validate.HeaderSize - 1, validate.HeaderSize, validate.HeaderSize + 1, 300_000} {
		content := bigPNG(t, size)
		if size < 89 {
			content = []byte("x")
		}
		name := "photo.png"
		if size == 1 {
			name = "x.txt"
		}
		src := &countingReader{r: bytes.NewReader(content)}
		v, r, err := defaults.Check(context.Background(), name, "", 0, src)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if err := iotest.TestReader(r, content); err != nil {
			t.Errorf("size %d (%s): %v", size, v.ContentType, err)
		}
		if src.n != int64(size) {
			t.Errorf("size %d: the source gave %d bytes, want each byte once", size, src.n)
		}
	}
}

// TestStreamSourceShapes checks sources that return one byte at a time, or
// their last data with io.EOF.
func TestStreamSourceShapes(t *testing.T) {
	content := bigPNG(t, 20_000)
	for name, src := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(content)),
		"data+EOF": iotest.DataErrReader(bytes.NewReader(content)),
		"half":     iotest.HalfReader(bytes.NewReader(content)),
	} {
		_, r, err := defaults.Check(context.Background(), "photo.png", "", 0, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s: read %d bytes, %v; want the %d of the file", name, len(got), err, len(content))
		}
	}
}

// TestStreamLimit checks that the limit is enforced at byte limit+1, not
// after the whole body: no more than limit bytes are yielded and no more than
// limit+1 are read from the source.
func TestStreamLimit(t *testing.T) {
	const limit = 64 << 10
	p := validate.Policy{Enabled: true, MaxFileSize: limit}
	tests := []struct {
		size    int
		wantErr bool
	}{
		{limit - 1, false},
		{limit, false},
		{limit + 1, true},
		{4 << 20, true},
	}
	for _, tt := range tests {
		content := bigPNG(t, tt.size)
		src := &countingReader{r: bytes.NewReader(content)}
		v, r, err := p.Check(context.Background(), "photo.png", "image/png", 0, src)
		if err != nil {
			t.Fatalf("size %d: Check = %v", tt.size, err)
		}
		var got bytes.Buffer
		_, err = io.Copy(&got, r)
		if !tt.wantErr {
			if err != nil || !bytes.Equal(got.Bytes(), content) {
				t.Errorf("size %d: copied %d bytes, %v; want the whole file", tt.size, got.Len(), err)
			}
			continue
		}
		e := errs.As(err)
		if e == nil || e.Code != errs.FileTooLarge {
			t.Fatalf("size %d: copy error = %v, want file_too_large", tt.size, err)
		}
		want := errs.Details{Limit: limit, Size: limit + 1, Extension: "png", DeclaredType: "image/png", SniffedType: v.ContentType}
		if e.Details != want {
			t.Errorf("size %d: details = %+v, want %+v", tt.size, e.Details, want)
		}
		if got.Len() > limit || !bytes.Equal(got.Bytes(), content[:got.Len()]) {
			t.Errorf("size %d: yielded %d bytes, want at most the first %d", tt.size, got.Len(), limit)
		}
		if src.n > limit+1 {
			t.Errorf("size %d: read %d bytes from the source, want at most %d", tt.size, src.n, limit+1)
		}
		if n, again := r.Read(make([]byte, 10)); n != 0 || !errors.Is(again, errs.FileTooLarge) {
			t.Errorf("size %d: Read after the refusal = %d, %v; want the same refusal", tt.size, n, again)
		}
	}
}

// TestStreamSourceFailsHalfWay checks that an error of the caller's reader
// after the header reaches the caller unchanged, after the bytes before it.
func TestStreamSourceFailsHalfWay(t *testing.T) {
	content := bigPNG(t, 3*validate.HeaderSize)
	boom := errors.New("connection reset by peer")
	src := io.MultiReader(bytes.NewReader(content), &failingReader{err: boom})
	_, r, err := defaults.Check(context.Background(), "photo.png", "", 0, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if !errors.Is(err, boom) {
		t.Errorf("ReadAll error = %v, want the source's", err)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("got %d bytes before the error, want %d", len(got), len(content))
	}
}

// TestStreamCanceled checks that the stream stops once its context is done,
// without reading the source again.
func TestStreamCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	content := bigPNG(t, 200_000)
	src := &countingReader{r: bytes.NewReader(content)}
	_, r, err := defaults.Check(ctx, "photo.png", "", 0, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 20_000)); err != nil {
		t.Fatal(err)
	}
	cancel()
	read := src.n
	n, err := r.Read(make([]byte, 100))
	if n != 0 || codeOf(t, err) != errs.Canceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel = %d, %v; want canceled wrapping context.Canceled", n, err)
	}
	if src.n != read {
		t.Errorf("the source was read after cancel")
	}
}
