package attachments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/validate"
)

// Side is the side of the conversation a member is on. Each side has its own
// file-attachment policy.
type Side string

// The sides.
const (
	SideAgent    Side = "agent"
	SideCustomer Side = "customer"
	// SideSupervisor is a supervisor monitoring agents' conversations.
	SideSupervisor Side = "supervisor"
)

// Mode says how text and files share a message draft, as Twilio Flex's two
// webchats do.
type Mode string

// The modes.
const (
	// ModeWebchat is Flex Webchat 2.0: a draft holds text or a file, never
	// both. Attaching a file replaces the typed text; detaching it does not
	// restore the text.
	ModeWebchat Mode = "webchat"
	// ModeConversations is Flex Conversations: text and files side by side,
	// up to FilesPerMessage files.
	ModeConversations Mode = "conversations"
)

// Defaults of Config, as its field docs state them.
const (
	defaultLinkLifetime    = links.DefaultLifetime
	defaultFilesPerMessage = 1
	defaultMode            = ModeWebchat
	defaultLogRetention    = 7 * 24 * time.Hour
	defaultDraftLifetime   = time.Hour
	// maxFilesPerMessage bounds FilesPerMessage.
	maxFilesPerMessage = 20
)

// SideConfig is one side's configuration, in the shape of Twilio Flex's
// webchat configuration.
type SideConfig struct {
	// FileAttachment is the side's upload policy: enabled, maxFileSize and
	// acceptedExtensions. Its zero value disables attachments for the side.
	FileAttachment validate.Policy `json:"fileAttachment"`
}

// Config is the library's configuration.
//
// The zero Config is valid and disables attachments on every side;
// DefaultConfig enables them for agents and customers. Zero durations and
// counts mean their defaults; New fills them in.
type Config struct {
	// Agent and Customer are the two sides' policies.
	Agent    SideConfig `json:"agent"`
	Customer SideConfig `json:"customer"`
	// Supervisor is the supervisors' policy. When nil, supervisors follow the
	// Agent policy.
	Supervisor *SideConfig `json:"supervisor,omitempty"`

	// LinkLifetime is how long a download link works, from 1 second to
	// links.MaxLifetime (7 days). Default 5 minutes, links.DefaultLifetime.
	LinkLifetime time.Duration `json:"linkLifetime"`
	// FilesPerMessage is how many files one message may carry. Default 1,
	// at most 20.
	FilesPerMessage int `json:"filesPerMessage"`
	// Mode is how text and files share a draft. Default ModeWebchat.
	Mode Mode `json:"mode"`
	// LogRetention is how long the journal keeps entries that hold personal
	// data (identities, file names). Default 7 days.
	LogRetention time.Duration `json:"logRetention"`
	// DraftLifetime is how long a file attached to a draft but never sent is
	// kept before the sweep removes it. Default 1 hour.
	DraftLifetime time.Duration `json:"draftLifetime"`

	// ChannelTypes narrows the sides' policies in channels of each type
	// (see ChannelPolicy and Options.ChannelType). An entry replaces the
	// built-in policy of its type whole. Default: the built-in policies of
	// ChannelSMS and ChannelWhatsApp (see ChannelType); web chat is not
	// narrowed.
	ChannelTypes map[ChannelType]ChannelPolicy `json:"channelTypes,omitempty"`
}

// DefaultConfig returns a Config with attachments enabled for agents and
// customers under the default policy: files up to 10 MiB with the extensions
// in validate.DefaultExtensions.
func DefaultConfig() Config {
	on := SideConfig{FileAttachment: validate.Policy{Enabled: true}}
	return Config{Agent: on, Customer: on}
}

// policy returns side's upload policy, before any channel type narrows it
// (see PolicyIn). An unknown side gets a disabled policy.
func (c Config) policy(side Side) validate.Policy {
	var p validate.Policy
	switch side {
	case SideAgent:
		p = c.Agent.FileAttachment
	case SideCustomer:
		p = c.Customer.FileAttachment
	case SideSupervisor:
		p = c.Agent.FileAttachment
		if c.Supervisor != nil {
			p = c.Supervisor.FileAttachment
		}
	default:
		return validate.Policy{}
	}
	if p.MaxFileSize == 0 {
		p.MaxFileSize = validate.DefaultMaxFileSize
	}
	return p
}

// fieldError is one problem in a configuration: an errs.InvalidConfig error
// whose Op is the field's JSON path ("agent.fileAttachment.maxFileSize")
// and whose Message is the problem ("must not be negative").
func fieldError(field, problem string) error {
	return &errs.Error{Code: errs.InvalidConfig, Op: field, Message: problem}
}

// problems is the one place that decides whether a configuration would
// work: ParseConfig and New both ask it. A problem is any setting that would
// only fail later: a value out of range, a malformed extension, a link
// lifetime the link server will not issue (under 1 second or over
// links.MaxLifetime), or a dangerous extension (see
// validate.IsDangerousExtension) listed without allowDangerous, which would
// silently have no effect. Zero values are not problems: they mean the
// defaults. With o, the Options New was
// given (before New fills in their defaults), it also checks the settings
// that only fail together with them.
func (c Config) problems(o *Options) []error {
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fieldError(field, fmt.Sprintf(format, args...)))
	}
	sides := []struct {
		name string
		sc   *SideConfig
	}{{"agent", &c.Agent}, {"customer", &c.Customer}, {"supervisor", c.Supervisor}}
	for _, s := range sides {
		if s.sc != nil {
			problems = append(problems, policyProblems(s.name+".fileAttachment.", s.sc.FileAttachment)...)
		}
	}
	problems = append(problems, channelPolicyProblems(c.ChannelTypes)...)
	switch {
	case c.LinkLifetime < 0:
		bad("linkLifetime", "must be positive, got %s", c.LinkLifetime)
	case c.LinkLifetime > 0 && c.LinkLifetime < time.Second, c.LinkLifetime > links.MaxLifetime:
		// The bounds of links.Server.Issue: every download would fail.
		bad("linkLifetime", "must be from 1s to %s (the longest a download link may last), got %s",
			links.MaxLifetime, c.LinkLifetime)
	}
	if c.FilesPerMessage < 0 || c.FilesPerMessage > maxFilesPerMessage {
		bad("filesPerMessage", "must be between 1 and %d, got %d", maxFilesPerMessage, c.FilesPerMessage)
	}
	switch c.Mode {
	case "", ModeWebchat, ModeConversations:
	default:
		bad("mode", "must be %q or %q, got %q", ModeWebchat, ModeConversations, c.Mode)
	}
	if c.LogRetention < 0 {
		bad("logRetention", "must be positive, got %s", c.LogRetention)
	}
	if c.DraftLifetime < 0 {
		bad("draftLifetime", "must be positive, got %s", c.DraftLifetime)
	}
	if o != nil && o.Ledger == nil && (o.lasting() || len(o.Stores) > 0) {
		// The default ledger forgets on restart: every file the storage
		// keeps would be "no longer available", and Check would call them
		// all orphans.
		bad("Options.Ledger", "is needed with storage that outlives the process: the default in-memory ledger "+
			"forgets every file on restart; use a lasting one (ledger/sqlledger), or pass ledger/memory's New() "+
			"to keep records in memory knowingly")
	}
	return problems
}

// policyProblems reports what is wrong with the policy p, naming each field
// after prefix ("agent.fileAttachment."): a negative size, an empty or
// malformed allow-list, or a dangerous extension listed without
// allowDangerous.
func policyProblems(prefix string, p validate.Policy) []error {
	problems := limitProblems(prefix, p.MaxFileSize, p.MaxImageSize, p.AcceptedExtensions, "leave it out for the default list")
	for i, ext := range p.AcceptedExtensions {
		if n, err := validate.NormalizeExtension(ext); err == nil && validate.IsDangerousExtension(n) && !p.AllowDangerous {
			// validate would refuse these files anyway: listing them
			// without the opt-in is a mistake, not a choice.
			problems = append(problems, fieldError(fmt.Sprintf("%sacceptedExtensions[%d]", prefix, i),
				fmt.Sprintf(".%s files are programs or scripts: set %sallowDangerous to accept them, or leave .%s out", n, prefix, n)))
		}
	}
	return problems
}

// limitProblems reports the problems a side's policy and a channel type's
// share: a negative size, an empty allow-list (whose fix is emptyHint) and a
// malformed extension.
func limitProblems(prefix string, maxFileSize, maxImageSize int64, exts []string, emptyHint string) []error {
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, fieldError(prefix+field, fmt.Sprintf(format, args...)))
	}
	if maxFileSize < 0 {
		bad("maxFileSize", "must not be negative, got %d", maxFileSize)
	}
	if maxImageSize < 0 {
		bad("maxImageSize", "must not be negative, got %d", maxImageSize)
	}
	if exts != nil && len(exts) == 0 {
		bad("acceptedExtensions", "must not be empty; %s", emptyHint)
	}
	for i, ext := range exts {
		if _, err := validate.NormalizeExtension(ext); err != nil {
			bad(fmt.Sprintf("acceptedExtensions[%d]", i), "%q is not a file extension", ext)
		}
	}
	return problems
}

func configError(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.InvalidConfig, Op: "config", Err: problemList(problems)}
}

// problemList is every problem of a config: its text names each one once,
// and its Unwrap returns them, one *errs.Error per field.
type problemList []error

func (l problemList) Error() string {
	texts := make([]string, len(l))
	for i, p := range l {
		texts[i] = p.Error()
	}
	return strings.Join(texts, "; ")
}

func (l problemList) Unwrap() []error { return l }

// withDefaults returns c with zero settings replaced by their defaults and
// extensions normalised. c must be valid.
func (c Config) withDefaults() Config {
	if c.LinkLifetime == 0 {
		c.LinkLifetime = defaultLinkLifetime
	}
	if c.FilesPerMessage == 0 {
		c.FilesPerMessage = defaultFilesPerMessage
	}
	if c.Mode == "" {
		c.Mode = defaultMode
	}
	if c.LogRetention == 0 {
		c.LogRetention = defaultLogRetention
	}
	if c.DraftLifetime == 0 {
		c.DraftLifetime = defaultDraftLifetime
	}
	norm := func(sc *SideConfig) {
		exts := sc.FileAttachment.AcceptedExtensions
		if exts == nil {
			return
		}
		out := make([]string, 0, len(exts))
		for _, e := range exts {
			n, _ := validate.NormalizeExtension(e)
			out = append(out, n)
		}
		sc.FileAttachment.AcceptedExtensions = out
	}
	norm(&c.Agent)
	norm(&c.Customer)
	// The built-in channel policies, under the configured ones, in a map of
	// the Client's own.
	types := defaultChannelPolicies()
	maps.Copy(types, c.clone().ChannelTypes)
	c.ChannelTypes = types
	if c.Supervisor != nil {
		s := *c.Supervisor
		norm(&s)
		c.Supervisor = &s
	}
	return c
}

// clone returns c with copies of its slices and map, so that whoever holds
// it shares no memory with a Client's configuration.
func (c Config) clone() Config {
	side := func(sc SideConfig) SideConfig {
		sc.FileAttachment.AcceptedExtensions = slices.Clone(sc.FileAttachment.AcceptedExtensions)
		return sc
	}
	c.Agent, c.Customer = side(c.Agent), side(c.Customer)
	if c.Supervisor != nil {
		s := side(*c.Supervisor)
		c.Supervisor = &s
	}
	if c.ChannelTypes != nil {
		types := make(map[ChannelType]ChannelPolicy, len(c.ChannelTypes))
		for t, cp := range c.ChannelTypes {
			cp.AcceptedExtensions = slices.Clone(cp.AcceptedExtensions)
			types[t] = cp
		}
		c.ChannelTypes = types
	}
	return c
}

// ParseConfig parses a Config from JSON in Twilio Flex's shape, as a host
// reads it from a file (os.ReadFile) or a settings service. A top-level
// fileAttachment block, as in the appConfig of Flex's webchat, applies to the
// agent and customer sides; a side may have its own block:
//
//	{"fileAttachment": {"enabled": true, "maxFileSize": 26214400,
//	                    "acceptedExtensions": ["png", "txt", "pdf"]},
//	 "agent": {"fileAttachment": {"enabled": true}},
//	 "linkLifetime": "5m", "filesPerMessage": 1, "mode": "webchat",
//	 "logRetention": "168h", "draftLifetime": "1h"}
//
// A side's own fileAttachment block replaces the top-level one whole, never
// field by field: a policy is read as one unit, so a side that writes
// {"enabled": true} gets the default size and list, not the top-level ones,
// and a side that writes {"enabled": false} is off whatever the top-level
// block says. Above, agents may send files of up to 10 MiB with the default
// extensions, customers 25 MiB of png, txt and pdf. Supervisors follow the
// agents unless they have their own block. A side with neither block has
// attachments disabled.
//
// A channelTypes object narrows the sides' policies in channels of each
// type, keyed by type: {"channelTypes": {"whatsapp": {"maxFileSize":
// 8388608}}} (see ChannelPolicy and Config.PolicyIn).
//
// Durations are Go duration strings ("90s", "5m") or numbers of seconds
// ("90", "1.5"), which is how Config's MarshalJSON writes them: a Config
// written with json.Marshal reads back equal. A duration longer than a
// time.Duration holds (about 292 years) is refused.
// ParseConfig checks the result and reports every problem — unknown keys,
// wrong types, a negative size, a bad extension, a zero lifetime — in one
// errs.InvalidConfig error that names each field as it is written in the
// document.
func ParseConfig(data []byte) (Config, error) {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Config{}, configError([]error{fieldError("(document)", "not valid JSON: "+err.Error())})
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, configError([]error{fieldError("(document)", "trailing data after the JSON object")})
	}
	var problems []error
	checkShape(raw, reflect.TypeFor[fileConfig](), "", &problems)
	// A value of the wrong type is already reported; Unmarshal leaves that
	// field at zero and fills the rest, so the value checks below still see
	// every other field.
	var fc fileConfig
	if err := json.Unmarshal(data, &fc); err != nil && len(problems) == 0 {
		return Config{}, configError([]error{fieldError("(document)", err.Error())})
	}
	if fc.FileAttachment != nil {
		problems = append(problems, policyProblems("fileAttachment.", *fc.FileAttachment)...)
	}
	c := Config{
		Agent: fc.Agent.resolve(fc.FileAttachment), Customer: fc.Customer.resolve(fc.FileAttachment),
		FilesPerMessage: fc.FilesPerMessage, Mode: fc.Mode,
		ChannelTypes:  fc.ChannelTypes,
		LinkLifetime:  time.Duration(fc.LinkLifetime),
		LogRetention:  time.Duration(fc.LogRetention),
		DraftLifetime: time.Duration(fc.DraftLifetime),
	}
	if fc.Supervisor != nil && fc.Supervisor.FileAttachment != nil {
		c.Supervisor = &SideConfig{FileAttachment: *fc.Supervisor.FileAttachment}
	}
	if len(problems) > 0 {
		// A top-level block in error is reported under its own name, never
		// again under each side that would have inherited it.
		c.Agent, c.Customer = fc.Agent.resolve(nil), fc.Customer.resolve(nil)
	}
	// In a file, a zero means someone wrote it: refuse it rather than read it
	// as "the default".
	obj, _ := raw.(map[string]any)
	for _, k := range []string{"linkLifetime", "logRetention", "draftLifetime", "filesPerMessage"} {
		if v, ok := obj[k]; ok && isZero(v) {
			problems = append(problems, fieldError(k, "must be positive; leave it out for the default"))
		}
	}
	problems = append(problems, c.problems(nil)...)
	if len(problems) > 0 {
		return Config{}, configError(problems)
	}
	return c, nil
}

// fileConfig is Config as it is written in JSON, where a side's block may
// be left out in favour of the top-level fileAttachment.
type fileConfig struct {
	FileAttachment  *validate.Policy              `json:"fileAttachment"`
	Agent           fileSide                      `json:"agent"`
	Customer        fileSide                      `json:"customer"`
	Supervisor      *fileSide                     `json:"supervisor"`
	LinkLifetime    jsonDuration                  `json:"linkLifetime"`
	FilesPerMessage int                           `json:"filesPerMessage"`
	Mode            Mode                          `json:"mode"`
	LogRetention    jsonDuration                  `json:"logRetention"`
	DraftLifetime   jsonDuration                  `json:"draftLifetime"`
	ChannelTypes    map[ChannelType]ChannelPolicy `json:"channelTypes"`
}

// fileSide is a side's block as it is written in JSON: nil FileAttachment
// means the side has no block of its own.
type fileSide struct {
	FileAttachment *validate.Policy `json:"fileAttachment"`
}

// resolve returns the side's configuration: its own block when it has one,
// else shared (the top-level block), else attachments disabled.
func (s fileSide) resolve(shared *validate.Policy) SideConfig {
	switch {
	case s.FileAttachment != nil:
		return SideConfig{FileAttachment: *s.FileAttachment}
	case shared != nil:
		p := *shared
		p.AcceptedExtensions = slices.Clone(p.AcceptedExtensions)
		return SideConfig{FileAttachment: p}
	}
	return SideConfig{}
}

type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as \"5m\"", s)
		}
		*d = jsonDuration(v)
		return nil
	}
	v, err := parseSeconds(string(b))
	if err != nil {
		return err
	}
	*d = jsonDuration(v)
	return nil
}

// MarshalJSON writes d as a number of seconds, exactly ("300", "1.5"), the
// unit ParseConfig reads numbers in.
func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return []byte(formatSeconds(time.Duration(d))), nil
}

// maxSeconds is the longest duration a config may hold, in seconds: about
// 292 years, time.Duration's limit.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// parseSeconds reads a JSON number of seconds ("90", "1.5", "2e3") exactly,
// to the nanosecond, and refuses one a time.Duration cannot hold.
func parseSeconds(num string) (time.Duration, error) {
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, errors.New("a duration is a string such as \"5m\" or a number of seconds")
	}
	ns := new(big.Rat).Mul(r, big.NewRat(int64(time.Second), 1))
	n := new(big.Int).Quo(ns.Num(), ns.Denom()) // whole nanoseconds, toward zero
	if !n.IsInt64() {
		return 0, fmt.Errorf("%s seconds is too long: at most %d seconds (about 292 years)", num, maxSeconds)
	}
	return time.Duration(n.Int64()), nil
}

// formatSeconds writes d as a number of seconds, with as many decimals as
// it needs and no more.
func formatSeconds(d time.Duration) string {
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign, u = "-", -u
	}
	secs, frac := u/uint64(time.Second), u%uint64(time.Second)
	if frac == 0 {
		return fmt.Sprintf("%s%d", sign, secs)
	}
	return strings.TrimRight(fmt.Sprintf("%s%d.%09d", sign, secs, frac), "0")
}

// MarshalJSON writes c in the shape ParseConfig reads (Twilio Flex's),
// with durations in seconds and the settings left at zero (their defaults)
// left out, so ParseConfig(json.Marshal(c)) gives c back.
func (c Config) MarshalJSON() ([]byte, error) {
	type side struct {
		FileAttachment validate.Policy `json:"fileAttachment"`
	}
	out := struct {
		Agent           side                          `json:"agent"`
		Customer        side                          `json:"customer"`
		Supervisor      *side                         `json:"supervisor,omitempty"`
		LinkLifetime    jsonDuration                  `json:"linkLifetime,omitzero"`
		FilesPerMessage int                           `json:"filesPerMessage,omitzero"`
		Mode            Mode                          `json:"mode,omitzero"`
		LogRetention    jsonDuration                  `json:"logRetention,omitzero"`
		DraftLifetime   jsonDuration                  `json:"draftLifetime,omitzero"`
		ChannelTypes    map[ChannelType]ChannelPolicy `json:"channelTypes,omitempty"`
	}{
		Agent: side{c.Agent.FileAttachment}, Customer: side{c.Customer.FileAttachment},
		LinkLifetime: jsonDuration(c.LinkLifetime), FilesPerMessage: c.FilesPerMessage, Mode: c.Mode,
		LogRetention: jsonDuration(c.LogRetention), DraftLifetime: jsonDuration(c.DraftLifetime),
		ChannelTypes: c.ChannelTypes,
	}
	if c.Supervisor != nil {
		out.Supervisor = &side{c.Supervisor.FileAttachment}
	}
	return json.Marshal(out)
}

func isZero(v any) bool {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return err == nil && f == 0
	case string:
		d, err := time.ParseDuration(v)
		return err == nil && d == 0
	}
	return false
}

// checkShape compares a decoded JSON value with the Go type it decodes into,
// and records unknown keys and wrong kinds of value, with their paths.
func checkShape(v any, t reflect.Type, path string, problems *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	bad := func(problem string) {
		*problems = append(*problems, fieldError(strings.TrimPrefix(path, "."), problem))
	}
	if v == nil {
		return
	}
	if t == reflect.TypeFor[jsonDuration]() {
		switch v := v.(type) {
		case string:
			if _, err := time.ParseDuration(v); err != nil {
				bad(fmt.Sprintf("%q is not a duration such as \"5m\"", v))
			}
		case json.Number:
			if _, err := parseSeconds(string(v)); err != nil {
				bad(err.Error())
			}
		default:
			bad("must be a duration such as \"5m\"")
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			bad("must be an object")
			return
		}
		fields := map[string]reflect.Type{}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" && f.IsExported() {
				fields[name] = f.Type
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				*problems = append(*problems, fieldError(strings.TrimPrefix(path+"."+k, "."), "unknown key"))
				continue
			}
			checkShape(obj[k], ft, path+"."+k, problems)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			bad("must be an object")
			return
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			checkShape(obj[k], t.Elem(), path+"."+k, problems)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			bad("must be a list")
			return
		}
		for i, e := range arr {
			checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), problems)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			bad("must be a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad("must be true or false")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(json.Number)
		if !ok {
			bad("must be a number")
		} else if _, err := n.Int64(); err != nil {
			bad(fmt.Sprintf("must be a whole number, got %s", n))
		}
	}
}
