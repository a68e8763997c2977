package validate_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/attachkit/attachments/validate"
)

// readOnly hides every method of its reader but Read, as an upload's body
// does: io.Copy then moves the bytes through a buffer in both the benchmark
// and its baseline, instead of letting a *bytes.Reader write itself out.
type readOnly struct{ io.Reader }

const size64MiB = 64 << 20

// BenchmarkValidateStream64MiB checks a 64 MiB allowed file while streaming
// it to io.Discard. Compare its MB/s with the baseline's.
func BenchmarkValidateStream64MiB(b *testing.B) {
	content := bigPNG(b, size64MiB)
	p := validate.Policy{Enabled: true, MaxFileSize: size64MiB}
	ctx := context.Background()
	b.SetBytes(size64MiB)
	b.ResetTimer()
	for b.Loop() {
		_, r, err := p.Check(ctx, "photo.png", "image/png", size64MiB, readOnly{bytes.NewReader(content)})
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != size64MiB {
			b.Fatalf("copied %d bytes, %v", n, err)
		}
	}
}

// BenchmarkValidateStream64MiBBaseline is a plain io.Copy of the same bytes
// to io.Discard.
func BenchmarkValidateStream64MiBBaseline(b *testing.B) {
	content := bigPNG(b, size64MiB)
	b.SetBytes(size64MiB)
	b.ResetTimer()
	for b.Loop() {
		if n, err := io.Copy(io.Discard, readOnly{bytes.NewReader(content)}); err != nil || n != size64MiB {
			b.Fatalf("copied %d bytes, %v", n, err)
		}
	}
}

// BenchmarkValidateSmall checks a 4 KiB PNG end to end: Check, then the
// stream read to io.Discard.
func BenchmarkValidateSmall(b *testing.B) {
	content := sample(b, "photo-4k.png")
	ctx := context.Background()
	src := bytes.NewReader(content)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		src.Reset(content)
		_, r, err := defaults.Check(ctx, "photo.png", "image/png", int64(len(content)), src)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(content)) {
			b.Fatalf("copied %d bytes, %v", n, err)
		}
	}
}

// BenchmarkValidateSmallBaseline is a plain io.Copy of the same 4 KiB PNG to
// io.Discard: what BenchmarkValidateSmall costs beyond checking.
func BenchmarkValidateSmallBaseline(b *testing.B) {
	content := sample(b, "photo-4k.png")
	src := bytes.NewReader(content)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		src.Reset(content)
		if n, err := io.Copy(io.Discard, readOnly{src}); err != nil || n != int64(len(content)) {
			b.Fatalf("copied %d bytes, %v", n, err)
		}
	}
}
