package sqlledger_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/internal/leaktest"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
	"github.com/attachkit/attachments/storage/filesystem"
)

// TestTheQuickStartKeepsItsFilesAcrossARestart runs the README's quick
// start (local disk and SQLite) twice on the same directories: what was sent
// before the restart is still there after it, and Check finds nothing to
// repair.
func TestTheQuickStartKeepsItsFilesAcrossARestart(t *testing.T) {
	leaktest.Check(t)
	dir := t.TempDir()
	members := &attachmentstest.Members{}
	ctx := context.Background()
	casey := attachments.Member{Identity: "casey"}
	require.NoError(t, members.SetRole(ctx, attachmentstest.Channel, casey.Identity, attachments.RoleCustomer))
	chat := &attachmentstest.Transport{}
	start := func() (*attachments.Client, func()) {
		store, err := filesystem.Open(filepath.Join(dir, "media"), &filesystem.Options{CreateDir: true})
		require.NoError(t, err)
		records, err := sqlite.Open(ctx, filepath.Join(dir, "attachments.db"))
		require.NoError(t, err)
		c, err := attachments.New(attachments.DefaultConfig(), chat, members,
			&attachments.Options{Storage: store, Ledger: records, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err, "the quick start's storage and ledger go together")
		return c, func() {
			assert.NoError(t, c.Close(ctx))
			assert.NoError(t, records.Close())
			assert.NoError(t, store.Close())
		}
	}

	c, stop := start()
	sent, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
		Channel: attachmentstest.Channel, Sender: casey,
		File: &attachments.File{Name: "notes.txt", Body: bytes.NewReader([]byte("kept across restarts\n"))}})
	require.NoError(t, err)
	stop()

	c, stop = start()
	defer stop()
	m, err := c.ResolveMedia(ctx, attachments.DownloadMediaPayload{Channel: attachmentstest.Channel, Requester: casey,
		MessageSID: sent.Message.SID})
	require.NoError(t, err, "the file sent before the restart must still be known after it")
	rc, err := c.OpenMedia(ctx, m.SID)
	require.NoError(t, err)
	body, err := io.ReadAll(rc)
	require.NoError(t, rc.Close())
	require.NoError(t, err)
	assert.Equal(t, "kept across restarts\n", string(body))
	rep, err := c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.OrphanBlobs, "after a restart no stored file may look like an orphan")
	assert.Empty(t, rep.MissingBlobs)
}
