package attachments_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage/memory"
)

func TestHostStoreServesLikeTheLibrarysStorage(t *testing.T) {
	ctx := context.Background()
	own := &attachmentstest.Store{}
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(ctx, channel, customer.Identity, attachments.RoleCustomer))
	require.NoError(t, members.SetRole(ctx, channel, agent.Identity, attachments.RoleAgent))
	store := memory.New()
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{
		Storage: store, Logger: discardLogger(), Ledger: ledgermemory.New(),
		Stores: map[string]attachments.Store{"own": own}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	srv := httptest.NewServer(c.Links())
	defer srv.Close()

	f := pngFile(t, "a.png")
	want := pngBytes(t, 8, 8)
	f.Store = "own"
	res, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, File: f})
	require.NoError(t, err)
	assert.Equal(t, 1, own.Len(), "the file must be in the host's store")
	for _, err := range store.List(ctx, "") {
		t.Errorf("the library's storage holds something: %v", err)
	}
	dl, err := attachments.Invoke(ctx, c.Registry(), attachments.DownloadMedia,
		attachments.DownloadMediaPayload{Channel: channel, Requester: agent, MessageSID: res.Message.SID})
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+dl.Link.URL, nil)
	req.Header.Set("Range", "bytes=4-9")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, want[4:10], body, "a range must come from the host's store like any other")
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "the link server's headers apply")

	rc, err := c.OpenMedia(ctx, res.Media[0].SID)
	require.NoError(t, err)
	all, _ := io.ReadAll(rc)
	rc.Close()
	assert.Equal(t, want, all)

	_, err = attachments.Invoke(ctx, c.Registry(), attachments.DeleteMessage,
		attachments.DeleteMessagePayload{Channel: channel, Requester: agent, MessageSID: res.Message.SID})
	require.NoError(t, err)
	assert.Zero(t, own.Len(), "deleting the message must delete the file from the host's store")
	resp, err = http.Get(srv.URL + dl.Link.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "an old link must not serve a deleted file")

	f = pngFile(t, "b.png")
	f.Store = "nowhere"
	_, err = attachments.Invoke(ctx, c.Registry(), attachments.SendMediaMessage,
		attachments.SendMediaMessagePayload{Channel: channel, Sender: customer, File: f})
	assert.Equal(t, errs.InvalidPayload, code(err), "an unknown store must be refused")
}
