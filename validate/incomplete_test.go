package validate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// checkAll runs Check over src and reads the stream it returns to the end,
// as a host storing the file would, and returns what the stream yielded and
// the first error of either.
func checkAll(t *testing.T, p validate.Policy, name string, src io.Reader) ([]byte, error) {
	t.Helper()
	_, r, err := p.Check(context.Background(), name, "", 0, src)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// multipartBody returns a multipart/form-data body holding content as the
// part "file" named name, and its boundary. With closed false the body stops
// after the content, without the closing boundary, as a connection that
// dropped does.
func multipartBody(t *testing.T, name string, content []byte, closed bool) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = part.Write(content)
	require.NoError(t, err)
	if closed {
		require.NoError(t, w.Close())
	}
	return body.Bytes(), w.Boundary()
}

// filePart returns the reader of the first part of a multipart body, the
// reader a host's upload handler hands to Check.
func filePart(t *testing.T, body []byte, boundary string) io.Reader {
	t.Helper()
	part, err := multipart.NewReader(bytes.NewReader(body), boundary).NextPart()
	require.NoError(t, err, "the multipart body must at least hold the part's headers")
	return part
}

// textOf returns n bytes of a plain text, lines of words.
func textOf(n int) []byte {
	line := "Order 1042: two chairs, one table, delivered on Monday.\n"
	return []byte(strings.Repeat(line, n/len(line)+1)[:n])
}

// csvOf returns n bytes of CSV (n ≥ 16): a header and one row whose quoted
// note fills the rest, so that the file is whole CSV at any size.
func csvOf(n int) []byte {
	const head = "name,note\n"
	return []byte(head + `x,"` + string(textOf(n-len(head)-5)) + "\"\n")
}

// TestTruncatedMultipartIsIncomplete checks that a file part that ends
// without its closing boundary is upload_incomplete, never a whole file,
// whether it is cut in the middle or right after its last byte, and whether
// it is shorter than the quick header, than the sniff window, or longer.
func TestTruncatedMultipartIsIncomplete(t *testing.T) {
	sizes := []int{40, 200, 1000, validate.HeaderSize - 1, validate.HeaderSize, validate.HeaderSize + 3000, 100_000}
	kinds := []struct {
		name    string
		content func(n int) []byte
	}{
		{"notes.txt", textOf},
		{"table.csv", csvOf},
		{"photo.png", func(n int) []byte { return bigPNG(t, n) }},
		{"doc.pdf", func(n int) []byte {
			b := bigPNG(t, n)
			copy(b, "%PDF-1.7\n")
			return b
		}},
	}
	for _, k := range kinds {
		for _, size := range sizes {
			content := k.content(size)
			t.Run(fmt.Sprintf("%s/%d", k.name, size), func(t *testing.T) {
				// The whole body is accepted: the test's files are good ones.
				body, boundary := multipartBody(t, k.name, content, true)
				got, err := checkAll(t, defaults, k.name, filePart(t, body, boundary))
				require.NoError(t, err, "a complete upload of a good file must pass")
				require.Equal(t, content, got, "a complete upload must yield the file")

				open, boundary := multipartBody(t, k.name, content, false)
				cuts := map[string][]byte{
					"no closing boundary": open,
					"cut mid-part":        open[:len(open)-len(content)/2-1],
				}
				for cut, body := range cuts {
					got, err := checkAll(t, defaults, k.name, filePart(t, body, boundary))
					assert.Equal(t, errs.UploadIncomplete, errs.CodeOf(err),
						"%s: a file that never arrived whole would be stored as complete (%d bytes yielded, err %v)", cut, len(got), err)
					assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "%s: the cause is lost for the host's logs", cut)
					var e *errs.Error
					if assert.ErrorAs(t, err, &e, "%s: not a typed error", cut) {
						assert.NotEmpty(t, e.Text(), "%s: nothing to tell the sender", cut)
					}
				}
			})
		}
	}
}

// brokenReader yields its content and, with its last bytes, err.
type brokenReader struct {
	content []byte
	err     error
}

func (r *brokenReader) Read(p []byte) (int, error) {
	n := copy(p, r.content)
	r.content = r.content[n:]
	if len(r.content) == 0 {
		return n, r.err
	}
	return n, nil
}

// TestSourceErrorsAreIncomplete checks every way a source can fail: before
// the header is full, with the bytes that fill it, and after it; a broken
// connection and io.ErrUnexpectedEOF alike. A source's own *errs.Error (a
// refusal from a validator it wraps) keeps its code.
func TestSourceErrorsAreIncomplete(t *testing.T) {
	reset := errors.New("connection reset by peer")
	tooLarge := &errs.Error{Code: errs.FileTooLarge, Op: "proxy", Message: "the file is too large"}
	cases := []struct {
		name    string
		content []byte
		err     error
		want    errs.Code
	}{
		{"reset in the quick header", textOf(100), reset, errs.UploadIncomplete},
		{"reset with the bytes that fill the quick header", bigPNG(t, 256), reset, errs.UploadIncomplete},
		{"reset in the sniff window", textOf(5000), reset, errs.UploadIncomplete},
		{"reset with the bytes that fill the sniff window", textOf(validate.HeaderSize), reset, errs.UploadIncomplete},
		{"reset after the header", bigPNG(t, 50_000), reset, errs.UploadIncomplete},
		{"unexpected EOF in the header", textOf(10), io.ErrUnexpectedEOF, errs.UploadIncomplete},
		{"unexpected EOF after the header", bigPNG(t, 50_000), io.ErrUnexpectedEOF, errs.UploadIncomplete},
		{"a wrapped refusal keeps its code", textOf(100), fmt.Errorf("read body: %w", tooLarge), errs.FileTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "notes.txt"
			if bytes.HasPrefix(c.content, []byte("\x89PNG")) {
				name = "photo.png"
			}
			_, err := checkAll(t, defaults, name, &brokenReader{content: c.content, err: c.err})
			assert.Equal(t, c.want, errs.CodeOf(err), "a broken upload is reported as %v", err)
			assert.ErrorIs(t, err, c.err, "the source's error is lost for the host's logs")
		})
	}
}
