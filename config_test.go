package attachments_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments"
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
	agent := c.Policy(attachments.SideAgent)
	if !agent.Enabled || agent.MaxFileSize != 26214400 {
		t.Errorf("agent policy = %+v, want enabled with 25 MiB", agent)
	}
	cl, err := attachments.New(c, &attachments.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	// A custom list replaces the default and is normalised.
	got := cl.Config().Policy(attachments.SideAgent).AcceptedExtensions
	if want := []string{"png", "txt", "pdf"}; !slices.Equal(got, want) {
		t.Errorf("agent extensions = %v, want %v", got, want)
	}
	customer := cl.Config().Policy(attachments.SideCustomer)
	if !customer.Enabled || customer.MaxFileSize != attachments.DefaultMaxFileSize || customer.AcceptedExtensions != nil {
		t.Errorf("customer policy = %+v, want enabled with the default size and the default list", customer)
	}
	cfg := cl.Config()
	if cfg.LinkLifetime != 90*time.Second || cfg.Mode != attachments.ModeConversations || cfg.FilesPerMessage != 3 {
		t.Errorf("settings = %v %v %v", cfg.LinkLifetime, cfg.Mode, cfg.FilesPerMessage)
	}
}

func TestConfigDefaults(t *testing.T) {
	cl, err := attachments.New(attachments.Config{}, &attachments.Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c := cl.Config()
	if c.LinkLifetime != 5*time.Minute || c.FilesPerMessage != 1 || c.Mode != attachments.ModeWebchat ||
		c.LogRetention != 7*24*time.Hour || c.DraftLifetime != time.Hour {
		t.Errorf("defaults = %+v", c)
	}
	if attachments.DefaultMaxFileSize != 10485760 {
		t.Errorf("DefaultMaxFileSize = %d, want 10485760", attachments.DefaultMaxFileSize)
	}
	if c.Policy(attachments.SideCustomer).Enabled {
		t.Error("the zero Config enables attachments")
	}
	d := attachments.DefaultConfig()
	if !d.Policy(attachments.SideAgent).Enabled || !d.Policy(attachments.SideCustomer).Enabled {
		t.Error("DefaultConfig does not enable both sides")
	}
	// Supervisors follow agents unless configured.
	if !d.Policy(attachments.SideSupervisor).Enabled {
		t.Error("supervisor policy does not follow the agent's")
	}
	if attachments.DefaultConfig().Policy("robot").Enabled {
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
	if !errors.Is(err, attachments.ErrInvalidConfig) {
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
	var fe *attachments.FieldError
	if !errors.As(err, &fe) {
		t.Errorf("errors.As(FieldError) failed on %v", err)
	}
	if strings.Contains(err.Error(), "acceptedExtensions[2]") {
		t.Errorf("a valid extension was reported: %v", err)
	}
}

func TestParseConfigRefusesMalformedDocuments(t *testing.T) {
	for _, doc := range []string{``, `[]`, `{"agent": 3}`, `{} {}`, `{"linkLifetime": "soon"}`, `{"filesPerMessage": 1.5}`} {
		if _, err := attachments.ParseConfig([]byte(doc)); !errors.Is(err, attachments.ErrInvalidConfig) {
			t.Errorf("ParseConfig(%q) err = %v, want invalid_config", doc, err)
		}
	}
}

func TestNewRefusesAnInvalidConfig(t *testing.T) {
	c := attachments.DefaultConfig()
	c.FilesPerMessage = -2
	c.Customer.FileAttachment.MaxFileSize = -5
	_, err := attachments.New(c, &attachments.Options{Logger: discardLogger()})
	if !errors.Is(err, attachments.ErrInvalidConfig) || !strings.Contains(err.Error(), "filesPerMessage") ||
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
