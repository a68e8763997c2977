package attachments_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	if err != nil {
		t.Fatal(err)
	}
	agent := policy(t, c, attachments.SideAgent)
	if !agent.Enabled || agent.MaxFileSize != 26214400 {
		t.Errorf("agent policy = %+v, want enabled with 25 MiB", agent)
	}
	cl, err := attachments.New(c, &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	// A custom list replaces the default and is normalised.
	got := policy(t, cl.Config(), attachments.SideAgent).AcceptedExtensions
	if want := []string{"png", "txt", "pdf"}; !slices.Equal(got, want) {
		t.Errorf("agent extensions = %v, want %v", got, want)
	}
	customer := policy(t, cl.Config(), attachments.SideCustomer)
	if !customer.Enabled || customer.MaxFileSize != validate.DefaultMaxFileSize || customer.AcceptedExtensions != nil {
		t.Errorf("customer policy = %+v, want enabled with the default size and the default list", customer)
	}
	cfg := cl.Config()
	if cfg.LinkLifetime != 90*time.Second || cfg.Mode != attachments.ModeConversations || cfg.FilesPerMessage != 3 {
		t.Errorf("settings = %v %v %v", cfg.LinkLifetime, cfg.Mode, cfg.FilesPerMessage)
	}
}

func TestConfigDefaults(t *testing.T) {
	cl, err := attachments.New(attachments.Config{}, &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c := cl.Config()
	if c.LinkLifetime != 5*time.Minute || c.FilesPerMessage != 1 || c.Mode != attachments.ModeWebchat ||
		c.LogRetention != 7*24*time.Hour || c.DraftLifetime != time.Hour {
		t.Errorf("defaults = %+v", c)
	}
	if validate.DefaultMaxFileSize != 10485760 {
		t.Errorf("DefaultMaxFileSize = %d, want 10485760", validate.DefaultMaxFileSize)
	}
	if policy(t, c, attachments.SideCustomer).Enabled {
		t.Error("the zero Config enables attachments")
	}
	d := attachments.DefaultConfig()
	if !policy(t, d, attachments.SideAgent).Enabled || !policy(t, d, attachments.SideCustomer).Enabled {
		t.Error("DefaultConfig does not enable both sides")
	}
	// Supervisors follow agents unless configured.
	if !policy(t, d, attachments.SideSupervisor).Enabled {
		t.Error("supervisor policy does not follow the agent's")
	}
	if policy(t, attachments.DefaultConfig(), "robot").Enabled {
		t.Error("an unknown side is enabled")
	}
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	_, err := attachments.ParseConfig([]byte(`{
		"agent": {"fileAttachment": {"enabled": true, "maxFileSize": -1, "acceptedExtensions": ["", "p/ng", "pdf"]}},
		"customer": {"fileAttachment": {"enabled": "yes", "maxFileSiz": 10}},
		"linkLifetime": "0s",
		"mode": "sms",
		"colour": "blue"
	}`))
	if !errors.Is(err, errs.InvalidConfig) {
		t.Fatalf("err = %v, want invalid_config", err)
	}
	for _, field := range []string{
		"customer.fileAttachment.enabled", "customer.fileAttachment.maxFileSiz", "colour",
		"agent.fileAttachment.maxFileSize", "agent.fileAttachment.acceptedExtensions[0]",
		"agent.fileAttachment.acceptedExtensions[1]", "linkLifetime", "mode",
	} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
	}
	assert.Contains(t, fieldsOf(err), "mode", "a host cannot find each problem's field in the error")
	if strings.Contains(err.Error(), "acceptedExtensions[2]") {
		t.Errorf("a valid extension was reported: %v", err)
	}
}

func TestParseConfigRefusesMalformedDocuments(t *testing.T) {
	for _, doc := range []string{``, `[]`, `{"agent": 3}`, `{} {}`, `{"linkLifetime": "soon"}`, `{"filesPerMessage": 1.5}`} {
		if _, err := attachments.ParseConfig([]byte(doc)); !errors.Is(err, errs.InvalidConfig) {
			t.Errorf("ParseConfig(%q) err = %v, want invalid_config", doc, err)
		}
	}
}

func TestNewRefusesAnInvalidConfig(t *testing.T) {
	c := attachments.DefaultConfig()
	c.FilesPerMessage = -2
	c.Customer.FileAttachment.MaxFileSize = -5
	_, err := attachments.New(c, &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: discardLogger()})
	if !errors.Is(err, errs.InvalidConfig) || !strings.Contains(err.Error(), "filesPerMessage") ||
		!strings.Contains(err.Error(), "customer.fileAttachment.maxFileSize") {
		t.Errorf("New err = %v, want both problems", err)
	}
}

func TestParseConfigNamesEachProblemOnce(t *testing.T) {
	_, err := attachments.ParseConfig([]byte(`{"linkLifetime": "-5m"}`))
	if n := strings.Count(err.Error(), "linkLifetime"); n != 1 {
		t.Errorf("linkLifetime named %d times, want once:\n%v", n, err)
	}
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

// TestConfigRefusesWhatWouldFailLater checks that ParseConfig,
// Config.Validate and New agree, and refuse, naming the field, each setting
// that would otherwise be accepted and fail on first use: a link lifetime
// the link server will not issue (every download would fail) and a dangerous
// extension listed without allowDangerous (it would silently do nothing).
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
				_ = c.Close()
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

// TestNewRefusesBoundLinksNobodyCanOpen checks that New refuses
// BindLinksToMember when the link server cannot tell who is asking: every
// bound link would answer 403.
func TestNewRefusesBoundLinksNobodyCanOpen(t *testing.T) {
	tests := []struct {
		why     string
		links   *links.Server
		wantErr bool
	}{
		{"the default link server", nil, true},
		{"a link server without MemberOf", linkServer(t, nil), true},
		{"a link server with MemberOf", linkServer(t, func(r *http.Request) string { return r.Header.Get("X-Member") }), false},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{
				Links: tt.links, BindLinksToMember: true, Logger: discardLogger()})
			if !tt.wantErr {
				require.NoError(t, err, "a link server that knows its members is refused")
				_ = c.Close()
				return
			}
			assert.ErrorIs(t, err, errs.InvalidConfig, "New accepts links that would all answer 403")
			assert.Equal(t, []string{"Options.BindLinksToMember"}, fieldsOf(err), "the error does not name the option to fix")
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
		_ = cl.Close()
	}
	return err
}
