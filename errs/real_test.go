package errs_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/memory"
)

// failing is a source that breaks after a few bytes with err.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// TestRealErrorsSayEachThingOnce: the errors a Bucket, its drivers and the
// links package return name their code once in their chain, and their text
// says no segment twice ("get k: not found: not_found" did).
func TestRealErrorsSayEachThingOnce(t *testing.T) {
	ctx := context.Background()
	disk, err := filesystem.Open(t.TempDir(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = disk.Close() })
	closed := memory.New()
	require.NoError(t, closed.Close())
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	signer, err := links.NewSigner(links.Key{ID: "k1", Secret: bytes.Repeat([]byte("s"), 32)}, nil)
	require.NoError(t, err)
	srv, err := links.New(memory.New(), signer, "https://chat.example.com/dl/", nil)
	require.NoError(t, err)

	type made struct {
		name string
		err  error
		code errs.Code
	}
	var cases []made
	for name, b := range map[string]*storage.Bucket{"memory": memory.New(), "filesystem": disk} {
		_, err := b.Put(ctx, "media/ME1", strings.NewReader("hello"), storage.Metadata{ContentType: "text/plain"})
		require.NoError(t, err)
		_, _, getErr := b.Get(ctx, "media/missing", nil)
		_, statErr := b.Stat(ctx, "media/missing")
		_, _, rangeErr := b.Get(ctx, "media/ME1", &storage.Range{Offset: 99, Length: 1})
		_, _, suffixErr := b.Get(ctx, "media/missing", &storage.Range{Offset: -1, Length: -1})
		_, putErr := b.Put(ctx, "media/ME2", failing{io.ErrUnexpectedEOF}, storage.Metadata{})
		_, limitErr := b.Put(ctx, "media/ME2", failing{&errs.Error{Code: errs.FileTooLarge, Details: errs.Details{Limit: 4}}}, storage.Metadata{})
		_, keyErr := b.Put(ctx, "../x", strings.NewReader(""), storage.Metadata{})
		_, cancelErr := b.Stat(canceled, "media/ME1")
		cases = append(cases,
			made{name + " get missing", getErr, errs.NotFound},
			made{name + " stat missing", statErr, errs.NotFound},
			made{name + " range past the end", rangeErr, errs.InvalidRange},
			made{name + " suffix of a missing blob", suffixErr, errs.NotFound},
			made{name + " put from a broken source", putErr, errs.Unavailable},
			made{name + " put from a source over its limit", limitErr, errs.FileTooLarge},
			made{name + " invalid key", keyErr, errs.InvalidKey},
			made{name + " canceled", cancelErr, errs.Canceled},
		)
	}
	_, closedErr := closed.Stat(ctx, "media/ME1")
	_, verifyErr := signer.Verify("AAAA", "")
	expired, err := signer.Sign(links.Claims{Media: "media/ME1", Expires: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	_, expiredErr := signer.Verify(expired, "")
	_, issueKeyErr := srv.Issue(ctx, "/abs", nil)
	_, issueCancelErr := srv.Issue(canceled, "media/ME1", nil)
	cases = append(cases,
		made{"closed bucket", closedErr, errs.Closed},
		made{"malformed token", verifyErr, errs.LinkInvalid},
		made{"expired token", expiredErr, errs.LinkExpired},
		made{"link to an invalid key", issueKeyErr, errs.InvalidKey},
		made{"link issued on a canceled context", issueCancelErr, errs.Canceled},
	)

	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.err)
			assert.Equal(t, tt.code, errs.CodeOf(tt.err), "the error has another code than the one its doc promises: %v", tt.err)
			for _, other := range []errs.Code{errs.NotFound, errs.InvalidRange, errs.Unavailable, errs.FileTooLarge, errs.InvalidKey, errs.Canceled, errs.Closed, errs.LinkInvalid, errs.LinkExpired, errs.Internal} {
				if other != tt.code {
					assert.NotErrorIs(t, tt.err, other, "a host switching on codes matches a code the error does not have: %v", tt.err)
				}
			}
			seen := map[string]bool{}
			for _, seg := range strings.Split(tt.err.Error(), ": ") {
				seg = strings.ReplaceAll(seg, "_", " ") // "not_found" says "not found" again
				assert.False(t, seen[seg], "%q says %q twice", tt.err.Error(), seg)
				seen[seg] = true
			}
		})
	}
}
