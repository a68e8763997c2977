package attachments_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// TestTruncatedUploadIsNeverSent checks, end to end over every driver, that
// a multipart file part cut before its closing boundary is refused as
// upload_incomplete and leaves no message and no blob, however short it is.
func TestTruncatedUploadIsNeverSent(t *testing.T) {
	files := map[string][]byte{
		"note.txt":  []byte(strings.Repeat("Order 1042, two chairs.\n", 20)), // within the sniff window
		"photo.png": pngBytes(t, 300, 300),                                   // past it
	}
	forEachDriver(t, func(t *testing.T, newStore func() *storage.Bucket) {
		e := newEnv(t, envOptions{store: newStore()})
		for name, content := range files {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			part, err := w.CreateFormFile("file", name)
			require.NoError(t, err)
			_, err = part.Write(content)
			require.NoError(t, err)
			// No w.Close(): the connection dropped before the closing boundary.
			p, err := multipart.NewReader(&body, w.Boundary()).NextPart()
			require.NoError(t, err)

			_, err = e.send(context.Background(), customer, &attachments.File{Name: name, Body: p})
			assert.Equal(t, errs.UploadIncomplete, errs.CodeOf(err), "%s: a truncated upload was not reported as incomplete: %v", name, err)
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "%s: the cause is lost for the host's logs", name)
		}
		assert.Empty(t, e.chat.Messages(channel), "a truncated upload reached the conversation")
		e.mustBeEmpty(t)
	})
}
