package e2e_test

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

// channel is the channel the tests' members are in; customer, who the
// test page uploads as (its requests carry memberHeader).
const (
	channel      = "CH1"
	memberHeader = "X-Test-Member"
)

var customer = attachments.Member{Identity: "cust-1"}

// server is a Client on filesystem storage behind a Handler, served by a
// real http.Server on 127.0.0.1, as a host mounts it.
type server struct {
	c     *attachments.Client
	store *storage.Bucket
	chat  *attachmentstest.Transport
	h     *httpapi.Handler
	url   string // the server's root, http://127.0.0.1:port
}

// startServer starts a server for cfg and opts, with the Handler wrapped
// by wrap (when set) and the test's own routes added by routes; the test's
// end stops it.
func startServer(t *testing.T, cfg attachments.Config, opts httpapi.Options, wrap func(http.Handler) http.Handler, routes func(*http.ServeMux)) *server {
	t.Helper()
	store, err := filesystem.Open(t.TempDir(), &filesystem.Options{NoSync: true})
	require.NoError(t, err)
	members := &attachmentstest.Members{}
	require.NoError(t, members.SetRole(context.Background(), channel, customer.Identity, attachments.RoleCustomer))
	chat := &attachmentstest.Transport{}
	quiet := slog.New(slog.DiscardHandler)
	c, err := attachments.New(cfg, chat, members, &attachments.Options{Storage: store, Ledger: ledgermemory.New(), Logger: quiet})
	require.NoError(t, err)
	s := &server{c: c, store: store, chat: chat}
	opts.Logger = quiet
	s.h, err = httpapi.New(c, func(r *http.Request) (attachments.Member, error) {
		if r.Header.Get(memberHeader) == customer.Identity {
			return customer, nil
		}
		return attachments.Member{}, &errs.Error{Code: errs.PermissionDenied, Message: "sign in first"}
	}, &opts)
	require.NoError(t, err)

	mux := http.NewServeMux()
	var api http.Handler = s.h
	if wrap != nil {
		api = wrap(api)
	}
	mux.Handle(httpapi.DefaultPath, api)
	mux.Handle("/attachments/dl/", s.h.Links())
	mux.Handle("/metrics", s.h.Metrics())
	if routes != nil {
		routes(mux)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httpapi.NewServer("", mux)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	s.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx), "the server did not shut down")
		<-served
		s.h.Close(context.Background())
		c.Close(context.Background())
		store.Close()
	})
	return s
}

// metric returns the value of an unlabelled counter or gauge as the
// Handler's /metrics page shows it.
func (s *server) metric(t *testing.T, name string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	s.h.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if value, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			require.NoError(t, err)
			return v
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// assertNoOrphans checks that storage holds exactly the files of the
// channel's messages, that the ledger agrees, and that no tus chunks are
// left.
func (s *server) assertNoOrphans(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	want := map[string]bool{}
	for _, m := range s.chat.Messages(channel) {
		media, err := m.Media()
		require.NoError(t, err)
		for _, md := range media {
			want["media/"+md.SID] = true
		}
	}
	got := map[string]bool{}
	for info, err := range s.store.List(ctx, "media/") {
		require.NoError(t, err)
		got[info.Key] = true
	}
	assert.Equal(t, want, got, "storage holds media no message refers to (or lost some)")
	for info, err := range s.store.List(ctx, "tus/") {
		require.NoError(t, err)
		t.Errorf("tus chunk left behind: %s", info.Key)
	}
	rep, err := s.c.Check(ctx, 0, "")
	require.NoError(t, err)
	assert.Empty(t, rep.OrphanBlobs, "blobs no ledger record explains")
	assert.Empty(t, rep.MissingBlobs, "ledger records whose blob is gone")
}
