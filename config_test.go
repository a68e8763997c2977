package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage/memory"
	"github.com/attachkit/attachments/validate"
)

func TestParseConfigFlexShape(t *testing.T) {
	c, err := attachments.ParseConfig([]byte(`{
		"agent": {"fileAttachment": {"enabled": true, "maxFileSize": 26214400, "acceptedExtensions": [".PNG", "txt", "pdf"]}},
		"customer": {"fileAttachment": {"enabled": true}},
		"linkLifetime": "90s", "mode": "conversations", "filesPerMessage": 3
	}`))
	require.NoError(t, err)
	agent := policy(t, c, attachments.SideAgent)
	assert.True(t, agent.Enabled, "agents cannot send files")
	assert.Equal(t, int64(26214400), agent.MaxFileSize, "agents get the wrong size limit")
	cl := attachmentstest.NewClient(t, c, nil).Client
	// A custom list replaces the default and is normalised.
	assert.Equal(t, []string{"png", "txt", "pdf"}, policy(t, cl.Config(), attachments.SideAgent).AcceptedExtensions,
		"agents get the wrong extensions")
	customer := policy(t, cl.Config(), attachments.SideCustomer)
	assert.Equal(t, validate.Policy{Enabled: true, MaxFileSize: validate.DefaultMaxFileSize}, customer,
		"a side with {enabled: true} does not get the default size and list")
	cfg := cl.Config()
	assert.Equal(t, 90*time.Second, cfg.LinkLifetime)
	assert.Equal(t, attachments.ModeConversations, cfg.Mode)
	assert.Equal(t, 3, cfg.FilesPerMessage)
}

func TestConfigDefaults(t *testing.T) {
	c := attachmentstest.NewClient(t, attachments.Config{}, nil).Client.Config()
	// The defaults the field docs state.
	assert.Equal(t, 5*time.Minute, c.LinkLifetime)
	assert.Equal(t, 1, c.FilesPerMessage)
	assert.Equal(t, attachments.ModeWebchat, c.Mode)
	assert.Equal(t, 7*24*time.Hour, c.LogRetention)
	assert.Equal(t, time.Hour, c.DraftLifetime)
	assert.Equal(t, int64(10485760), validate.DefaultMaxFileSize, "Flex's 10 MiB default changed")
	assert.False(t, policy(t, c, attachments.SideCustomer).Enabled, "the zero Config enables attachments")
	d := attachments.DefaultConfig()
	assert.True(t, policy(t, d, attachments.SideAgent).Enabled, "DefaultConfig does not enable agents")
	assert.True(t, policy(t, d, attachments.SideCustomer).Enabled, "DefaultConfig does not enable customers")
	assert.True(t, policy(t, d, attachments.SideSupervisor).Enabled, "supervisors do not follow the agents")
	assert.False(t, policy(t, d, "robot").Enabled, "an unknown side is enabled")
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	_, err := attachments.ParseConfig([]byte(`{
		"agent": {"fileAttachment": {"enabled": true, "maxFileSize": -1, "acceptedExtensions": ["", "p/ng", "pdf"]}},
		"customer": {"fileAttachment": {"enabled": "yes", "maxFileSiz": 10}},
		"linkLifetime": "0s",
		"mode": "sms",
		"colour": "blue"
	}`))
	require.ErrorIs(t, err, errs.InvalidConfig)
	for _, field := range []string{
		"customer.fileAttachment.enabled", "customer.fileAttachment.maxFileSiz", "colour",
		"agent.fileAttachment.maxFileSize", "agent.fileAttachment.acceptedExtensions[0]",
		"agent.fileAttachment.acceptedExtensions[1]", "linkLifetime", "mode",
	} {
		assert.Contains(t, err.Error(), field, "the operator is not told about %s", field)
	}
	assert.Contains(t, fieldsOf(err), "mode", "a host cannot find each problem's field in the error")
	assert.NotContains(t, err.Error(), "acceptedExtensions[2]", "a valid extension was reported")
}

func TestParseConfigRefusesMalformedDocuments(t *testing.T) {
	for _, doc := range []string{``, `[]`, `{"agent": 3}`, `{} {}`, `{"linkLifetime": "soon"}`, `{"filesPerMessage": 1.5}`} {
		_, err := attachments.ParseConfig([]byte(doc))
		assert.ErrorIs(t, err, errs.InvalidConfig, "ParseConfig(%q) does not refuse a malformed document", doc)
	}
}

func TestNewRefusesAnInvalidConfig(t *testing.T) {
	c := attachments.DefaultConfig()
	c.FilesPerMessage = -2
	c.Customer.FileAttachment.MaxFileSize = -5
	err := newErr(c)
	require.ErrorIs(t, err, errs.InvalidConfig)
	assert.ElementsMatch(t, []string{"filesPerMessage", "customer.fileAttachment.maxFileSize"}, fieldsOf(err),
		"New does not report every problem, each under its field")
}

// TestNewNeedsTheHostsChatAndDirectory: a Client cannot work without them,
// so New refuses a nil one by name rather than fall back on a stand-in.
func TestNewNeedsTheHostsChatAndDirectory(t *testing.T) {
	_, err := attachments.New(attachments.DefaultConfig(), nil, nil, nil)
	require.ErrorIs(t, err, errs.InvalidConfig)
	assert.ElementsMatch(t, []string{"transport", "members"}, fieldsOf(err), "the host is not told what is missing")
	_, err = attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, nil, nil)
	assert.Equal(t, []string{"members"}, fieldsOf(err))
}

func TestParseConfigNamesEachProblemOnce(t *testing.T) {
	_, err := attachments.ParseConfig([]byte(`{"linkLifetime": "-5m"}`))
	assert.Equal(t, 1, strings.Count(err.Error(), "linkLifetime"), "linkLifetime is named more than once: %v", err)
}

// fieldsOf returns the field (the Op) of every problem in err: an
// errs.InvalidConfig error whose cause lists one *errs.Error per problem. An
// *errs.Error hides its cause's codes, so the list of problems is found with
// errors.As, as a host finds it.
func fieldsOf(err error) []string {
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		err = list.(error)
	}
	var out []string
	var walk func(error)
	walk = func(e error) {
		switch e := e.(type) {
		case nil:
		case *errs.Error:
			out = append(out, e.Op)
		case interface{ Unwrap() []error }:
			for _, c := range e.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// linkServer returns a links.Server over a memory bucket, with memberOf as
// its Options.MemberOf.
func linkServer(t *testing.T, memberOf func(*http.Request) string) *links.Server {
	t.Helper()
	signer, err := links.NewSigner(links.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, links.MinSecretLen)}, nil)
	require.NoError(t, err)
	srv, err := links.New(memory.New(), signer, "/dl", &links.Options{MemberOf: memberOf})
	require.NoError(t, err)
	return srv
}

// TestConfigRefusesWhatWouldFailLater checks that ParseConfig and New
// agree, and refuse, naming the field, each setting that would otherwise be
// accepted and fail on first use: a link lifetime the link server will not
// issue (every download would fail) and a dangerous extension listed
// without allowDangerous (it would silently do nothing).
func TestConfigRefusesWhatWouldFailLater(t *testing.T) {
	// A setting is a Config and the same configuration written as JSON.
	type setting struct {
		cfg  attachments.Config
		json string
	}
	exe := func(side string, allow bool) setting {
		c := attachments.DefaultConfig()
		p := validate.Policy{Enabled: true, AcceptedExtensions: []string{"pdf", ".EXE"}, AllowDangerous: allow}
		switch side {
		case "customer":
			c.Customer.FileAttachment = p
		case "supervisor":
			c.Supervisor = &attachments.SideConfig{FileAttachment: p}
		}
		return setting{c, fmt.Sprintf(`{"%s": {"fileAttachment": {"enabled": true, "acceptedExtensions": ["pdf", ".EXE"], "allowDangerous": %t}}}`, side, allow)}
	}
	lifetime := func(d time.Duration) setting {
		c := attachments.DefaultConfig()
		c.LinkLifetime = d
		return setting{c, fmt.Sprintf(`{"linkLifetime": %q}`, d)}
	}
	tests := []struct {
		why       string
		setting   setting
		wantField string // "" when valid
	}{
		{"a link lifetime past the links server's maximum", lifetime(links.MaxLifetime + time.Second), "linkLifetime"},
		{"a link lifetime under a second", lifetime(500 * time.Millisecond), "linkLifetime"},
		{"the longest link lifetime", lifetime(links.MaxLifetime), ""},
		{"the shortest link lifetime", lifetime(time.Second), ""},
		{"a customer's .exe without allowDangerous", exe("customer", false), "customer.fileAttachment.acceptedExtensions[1]"},
		{"a supervisor's .exe without allowDangerous", exe("supervisor", false), "supervisor.fileAttachment.acceptedExtensions[1]"},
		{"a customer's .exe with allowDangerous", exe("customer", true), ""},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			_, perr := attachments.ParseConfig([]byte(tt.setting.json))
			c, nerr := attachments.New(tt.setting.cfg, &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: discardLogger()})
			if c != nil {
				_ = c.Close(context.Background())
			}
			for name, err := range map[string]error{"ParseConfig": perr, "New": nerr} {
				if tt.wantField == "" {
					assert.NoError(t, err, "%s refuses a setting that works", name)
					continue
				}
				assert.ErrorIs(t, err, errs.InvalidConfig, "%s accepts a setting that fails on first use", name)
				assert.Equal(t, []string{tt.wantField}, fieldsOf(err), "%s does not name the field the operator must fix", name)
			}
		})
	}
}

// TestDownloadLinksBindWhereTheLinkServerKnowsWho checks the one setting
// that binds links: with links.Options.MemberOf, the link DownloadMedia
// issues works for its requester only; without it, the link server cannot
// tell who asks, so the link is a bearer token, never one nobody can open.
func TestDownloadLinksBindWhereTheLinkServerKnowsWho(t *testing.T) {
	byHeader := func(r *http.Request) string { return r.Header.Get("X-Member") }
	for _, tt := range []struct {
		why      string
		memberOf func(*http.Request) string
		stranger int // the status a request by someone else gets
	}{
		{"a link server with MemberOf", byHeader, http.StatusForbidden},
		{"a link server without MemberOf", nil, http.StatusOK},
	} {
		t.Run(tt.why, func(t *testing.T) {
			ctx := context.Background()
			store := memory.New()
			signer, err := links.NewSigner(links.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, links.MinSecretLen)}, nil)
			require.NoError(t, err)
			srv, err := links.New(store, signer, "/dl/", &links.Options{MemberOf: tt.memberOf})
			require.NoError(t, err)
			h := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Storage: store, Links: srv})
			sent, err := h.Send(ctx, h.Customer, "a.png", examplePNG())
			require.NoError(t, err)
			got, err := attachments.Invoke(ctx, h.Client.Registry(), attachments.DownloadMedia, attachments.DownloadMediaPayload{
				Channel: attachmentstest.Channel, Requester: h.Agent, MessageSID: sent.Message.SID})
			require.NoError(t, err)
			get := func(member string) int {
				req := httptest.NewRequest(http.MethodGet, got.Link.URL, nil)
				req.Header.Set("X-Member", member)
				rec := httptest.NewRecorder()
				h.Client.Links().ServeHTTP(rec, req)
				return rec.Code
			}
			assert.Equal(t, http.StatusOK, get(h.Agent.Identity), "the requester cannot open its own link")
			assert.Equal(t, tt.stranger, get("someone-else"), "a link passed on")
		})
	}
}

// policy returns c's policy for side in a web chat, as a Client applies it.
func policy(t testing.TB, c attachments.Config, side attachments.Side) validate.Policy {
	t.Helper()
	p, err := c.PolicyIn(side, attachments.ChannelWeb)
	require.NoError(t, err, "a web chat has no policy for %s", side)
	return p
}

// newErr returns the error New returns for c.
func newErr(c attachments.Config) error {
	cl, err := attachments.New(c, &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: discardLogger()})
	if cl != nil {
		_ = cl.Close(context.Background())
	}
	return err
}
