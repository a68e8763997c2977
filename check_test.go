package attachments_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
)

func TestCheckLeavesAPendingRenditionAlone(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	sent, err := e.send(ctx, customer, pngFile(t, "a.png"))
	require.NoError(t, err)
	sid := sent.Media[0].SID
	// A rendition being made: recorded pending, its blob written, not yet
	// recorded as stored; and one whose blob is not written yet.
	for _, name := range []string{"thumbnail", "preview"} {
		_, err := e.ledger.Apply(ctx, ledger.Change{SID: sid, From: ledger.Live, Now: e.clock.Now(),
			AddRendition: &ledger.Rendition{Name: name, ContentType: "image/png", Pending: e.clock.Now()}})
		require.NoError(t, err)
	}
	thumb := "renditions/" + sid + "/thumbnail"
	_, err = e.store.Put(ctx, thumb, strings.NewReader("x"), storage.Metadata{})
	require.NoError(t, err)

	e.clock.Advance(9 * time.Minute)
	rep, err := e.c.Check(ctx, 100, "")
	require.NoError(t, err)
	assert.Empty(t, rep.OrphanBlobs, "a rendition being written must not be taken for an orphan")
	assert.Zero(t, rep.Repaired)
	r, err := e.ledger.Get(ctx, sid)
	require.NoError(t, err)
	assert.Equal(t, []string{"thumbnail", "preview"}, renditionNames(r), "Check must not drop a rendition being made")
	assert.Contains(t, e.keys(t), thumb)

	// Left pending for good by a process that died.
	e.clock.Advance(2 * time.Minute)
	rep, err = e.c.Check(ctx, 100, "")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{thumb, "renditions/" + sid + "/preview"}, rep.OrphanBlobs)
	assert.Equal(t, 2, rep.Repaired)
	r, err = e.ledger.Get(ctx, sid)
	require.NoError(t, err)
	assert.Empty(t, r.Renditions, "a rendition left pending past the bound is dropped")
	assert.Equal(t, []string{"media/" + sid}, e.keys(t))
}

// sidOf returns a media SID made of one hex digit: "0" sorts before every
// SID the library makes, "f" after.
func sidOf(digit string) string { return "ME" + strings.Repeat(digit, 32) }

func TestCheckBoundsItsReport(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	const orphans = 1005
	for i := range orphans {
		_, err := e.store.Put(ctx, fmt.Sprintf("media/ME%032x", i), strings.NewReader("x"), storage.Metadata{})
		require.NoError(t, err)
	}
	rep, err := e.c.Check(ctx, orphans-1, "")
	require.ErrorIs(t, err, errs.TooManyRepairs, "the repair bound counts the findings past the list too")
	assert.Zero(t, rep.Repaired)
	assert.Len(t, e.keys(t), orphans, "a refused repair deletes nothing")
	rep, err = e.c.Check(ctx, orphans, "")
	require.NoError(t, err)
	assert.Len(t, rep.OrphanBlobs, 1000, "the report keeps the first 1,000 findings")
	assert.Equal(t, orphans-1000, rep.Omitted, "and counts the rest")
	assert.Equal(t, orphans, rep.Repaired, "every finding is repaired, listed or not")
	assert.Empty(t, e.keys(t))
}

// getFails fails Get while on, like a database lost in the middle of a
// Check.
type getFails struct {
	ledger.Ledger
	on bool
}

func (g *getFails) Get(ctx context.Context, sid string) (ledger.Record, error) {
	if g.on {
		return ledger.Record{}, errDown
	}
	return g.Ledger.Get(ctx, sid)
}

func TestCheckResumesWhereItStopped(t *testing.T) {
	l := &getFails{Ledger: ledgermemory.New()}
	e := newEnv(t, envOptions{ledger: l})
	ctx := context.Background()
	var last string
	for _, name := range []string{"a.png", "b.png", "c.png"} {
		sent, err := e.send(ctx, customer, pngFile(t, name))
		require.NoError(t, err)
		last = max(last, sent.Media[0].SID)
	}
	for _, d := range []string{"0", "f"} {
		_, err := e.store.Put(ctx, "media/"+sidOf(d), strings.NewReader("stray"), storage.Metadata{})
		require.NoError(t, err)
	}
	rep, err := e.c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Equal(t, []string{sidOf("0"), sidOf("f")}, rep.OrphanBlobs)
	assert.Empty(t, rep.Next, "a Check that went through everything has nothing to resume")

	rep, err = e.c.Check(ctx, 0, last)
	require.NoError(t, err)
	assert.Equal(t, []string{sidOf("f")}, rep.OrphanBlobs, "a Check resumed after the last file sees only what comes after it")

	// Check looks an orphan up once more before it reports it: the ledger
	// fails there, at the last orphan, after the three files.
	l.on = true
	rep, err = e.c.Check(ctx, 0, sidOf("0"))
	assert.Equal(t, errs.Unavailable, code(err), "the ledger's failure is reported")
	assert.Equal(t, last, rep.Next, "a Check that stopped says where it got to: past the three files, at the last orphan")
	l.on = false
	rep, err = e.c.Check(ctx, 0, rep.Next)
	require.NoError(t, err)
	assert.Equal(t, []string{sidOf("f")}, rep.OrphanBlobs, "resumed, it finishes the job")
	assert.Empty(t, rep.Next)
}
