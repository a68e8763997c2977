package previewtest_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/disintegration/imaging"
)

// brokenEnv names the bug TestBrokenRenderer runs the suite with, in a
// child process.
const brokenEnv = "PREVIEWTEST_BROKEN"

// The suite is only worth its cases if they fail on the bugs they are for.
// Each row breaks a renderer in one way and runs the case meant to catch
// it, in a child process, which must fail.
func TestSuiteCatchesBrokenRenderers(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in the child")
	}
	tests := []struct{ bug, catcher string }{
		{"ignores orientation", "JPEGOrientation6"},
		{"ignores orientation", "JPEGOrientation2"},
		{"always writes JPEG", "PNGAlpha"},
		{"keeps the EXIF", "JPEGOrientation1"},
		{"misreports the size", "PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.bug+"/"+tt.catcher, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenRenderer$/^"+tt.catcher+"$")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tt.bug)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "--- FAIL: TestBrokenRenderer/"+tt.catcher) {
				t.Errorf("the suite's %s case passed a renderer that %s:\n%s", tt.catcher, tt.bug, out)
			}
		})
	}
}

// TestBrokenRenderer runs the suite against the renderer broken as
// brokenEnv says; only the child processes of the test above run it.
func TestBrokenRenderer(t *testing.T) {
	bug := os.Getenv(brokenEnv)
	if bug == "" {
		t.Skip("run by TestSuiteCatchesBrokenRenderers")
	}
	previewtest.RunConformanceTests(t, previewtest.Harness{
		New: func(_ testing.TB, opts *preview.Options) preview.Renderer {
			switch bug {
			case "ignores orientation", "always writes JPEG":
				return naive{}
			case "keeps the EXIF":
				return keepsEXIF{preview.NewGoRenderer(opts)}
			case "misreports the size":
				return misreports{preview.NewGoRenderer(opts)}
			}
			t.Fatalf("unknown bug %q", bug)
			return nil
		},
	})
}

// naive renders the way many chat servers did: decode, fit, encode JPEG,
// with neither EXIF orientation nor transparency.
type naive struct{}

func (naive) Render(ctx context.Context, src io.Reader, targets []preview.Target) ([]preview.Rendition, error) {
	img, _, err := image.Decode(src)
	if err != nil {
		return nil, err
	}
	var out []preview.Rendition
	for _, t := range targets {
		small := imaging.Fit(img, t.Max, t.Max, imaging.Lanczos)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, small, nil); err != nil {
			return nil, err
		}
		n, _ := t.W.Write(buf.Bytes())
		out = append(out, preview.Rendition{Width: small.Rect.Dx(), Height: small.Rect.Dy(), ContentType: "image/jpeg",
			Size: int64(n), BlurHash: preview.BlurHash(small)})
	}
	return out, nil
}

// keepsEXIF copies the original's first APP1 segment into each JPEG
// rendition, as an encoder that "preserves metadata" would.
type keepsEXIF struct{ r preview.Renderer }

func (k keepsEXIF) Render(ctx context.Context, src io.Reader, targets []preview.Target) ([]preview.Rendition, error) {
	orig, err := io.ReadAll(src)
	if err != nil {
		return nil, err
	}
	segLen := int(orig[4])<<8 | int(orig[5]) // the first segment is the EXIF APP1
	app1 := orig[2 : 2+2+segLen]
	bufs := make([]*bytes.Buffer, len(targets))
	inner := make([]preview.Target, len(targets))
	for i, t := range targets {
		bufs[i] = &bytes.Buffer{}
		inner[i] = preview.Target{Max: t.Max, W: bufs[i]}
	}
	rends, err := k.r.Render(ctx, bytes.NewReader(orig), inner)
	if err != nil {
		return nil, err
	}
	for i, t := range targets {
		b := bufs[i].Bytes()
		out := append(append(append([]byte{}, b[:2]...), app1...), b[2:]...)
		n, _ := t.W.Write(out)
		rends[i].Size = int64(n)
	}
	return rends, nil
}

// misreports says each rendition is one byte smaller than it is.
type misreports struct{ r preview.Renderer }

func (m misreports) Render(ctx context.Context, src io.Reader, targets []preview.Target) ([]preview.Rendition, error) {
	rends, err := m.r.Render(ctx, src, targets)
	for i := range rends {
		rends[i].Size--
	}
	return rends, err
}
