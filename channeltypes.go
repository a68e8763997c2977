package attachments

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/validate"
)

// ChannelType is the kind of network a channel's customer is reached over,
// named as Flex Conversations names its address types. In a channel of any
// type but ChannelWeb, files are held to what that network carries on top
// of the sender's side policy, so a file the customer's phone would never
// receive is refused before it is stored, with a message that names the
// network.
type ChannelType string

// The channel types. ChannelSMS and ChannelWhatsApp have built-in policies,
// taken from Twilio's published limits (the sources are cited in the code):
//
//   - sms: files up to 2 MB (2,097,152 bytes) of jpg, png, amr, mp3, mp4,
//     pdf and heic, as Flex Conversations allows over SMS;
//   - whatsapp: files up to 16 MB, pictures up to 5 MB, of jpg, png, amr,
//     mp3, mp4, pdf and oga.
//
// An entry of Config.ChannelTypes replaces the built-in policy of its type
// whole.
const (
	// ChannelWeb is web chat: the side's policy applies unchanged, unless
	// Config.ChannelTypes has an entry for it. A channel is web chat
	// unless Options.ChannelType says otherwise.
	ChannelWeb ChannelType = "web"
	// ChannelSMS is SMS, over which files travel as MMS.
	ChannelSMS ChannelType = "sms"
	// ChannelWhatsApp is WhatsApp.
	ChannelWhatsApp ChannelType = "whatsapp"
)

// words names t for a person: "WhatsApp", "SMS", or a host's own type as
// it is spelled.
func (t ChannelType) words() string {
	switch t {
	case ChannelWeb:
		return "web chat"
	case ChannelSMS:
		return "SMS"
	case ChannelWhatsApp:
		return "WhatsApp"
	}
	return string(t)
}

// ChannelPolicy is what a type of channel carries. It narrows the sender's
// side policy and never widens it: the smaller size limits apply, only the
// extensions both allow are accepted, and files are off when either says
// so. The zero ChannelPolicy narrows nothing.
type ChannelPolicy struct {
	// Disabled refuses every file in channels of the type. Default false.
	Disabled bool `json:"disabled,omitempty"`
	// MaxFileSize is the largest file the network carries, in bytes.
	// Default 0: no limit but the side's.
	MaxFileSize int64 `json:"maxFileSize,omitempty"`
	// MaxImageSize is the largest picture the network carries, in bytes,
	// when pictures have a lower limit than other files (see
	// validate.Policy.MaxImageSize). Default 0: MaxFileSize.
	MaxImageSize int64 `json:"maxImageSize,omitempty"`
	// AcceptedExtensions are the extensions the network carries, compared
	// as validate compares them. Default nil: every extension the side
	// accepts. An empty list is invalid; set Disabled instead.
	AcceptedExtensions []string `json:"acceptedExtensions,omitempty"`
}

// defaultChannelPolicy returns the built-in policy of t, from what Twilio
// publishes about each network, taking the lower figure where Twilio's
// pages differ.
func defaultChannelPolicy(t ChannelType) (ChannelPolicy, bool) {
	switch t {
	case ChannelSMS:
		return ChannelPolicy{
			// Flex Conversations, "File Attachments and API Limits", row
			// sms: Max File Size 2097152 bytes, and these extensions (jpeg
			// is jpg):
			// https://www.twilio.com/docs/flex/developer/conversations/limits
			// Twilio Messaging allows 5 MB a message over MMS
			// (https://www.twilio.com/docs/messaging/guides/accepted-mime-types);
			// Flex's per-file figure is the lower one.
			MaxFileSize:        2097152,
			AcceptedExtensions: []string{"jpg", "png", "amr", "mp3", "mp4", "pdf", "heic"},
		}, true
	case ChannelWhatsApp:
		return ChannelPolicy{
			// Flex Conversations, "File Attachments and API Limits", row
			// whatsapp: Max File Size 16777216 bytes; Twilio's WhatsApp
			// page says 16 MB a message:
			// https://www.twilio.com/docs/flex/developer/conversations/limits
			// https://www.twilio.com/docs/whatsapp/guidance-whatsapp-media-messages
			MaxFileSize: 16777216,
			// "The size limit for images is only 5 MB":
			// https://www.twilio.com/docs/whatsapp/guidance-whatsapp-media-messages
			// Twilio counts its MB in binary: Flex's limits page writes
			// the 16 MB above as 16777216 and the 5 MB MMS total as 5242880.
			MaxImageSize: 5 << 20,
			// Flex's whatsapp row lists jpg, jpeg, png, amr, mp3, mp4, pdf,
			// heic and oga; Twilio's WhatsApp page lists JPG/JPEG/PNG
			// images, OGG/AMR/3GP/AAC/MPEG audio, PDF/DOC/DOCX/PPTX/XLSX
			// documents and MP4 video, and no HEIC. The list is what
			// both carry (same pages as above).
			AcceptedExtensions: []string{"jpg", "png", "amr", "mp3", "mp4", "pdf", "oga"},
		}, true
	}
	return ChannelPolicy{}, false
}

// defaultChannelPolicies returns the built-in policies (see ChannelType) in
// a new map.
func defaultChannelPolicies() map[ChannelType]ChannelPolicy {
	out := map[ChannelType]ChannelPolicy{}
	for _, t := range []ChannelType{ChannelSMS, ChannelWhatsApp} {
		out[t], _ = defaultChannelPolicy(t)
	}
	return out
}

// PolicyIn returns the policy of side in a channel of type t, with its
// defaults filled in: side's fileAttachment block (the Agent block for
// supervisors without their own; disabled for an unknown side) narrowed by
// t's ChannelPolicy, from Config.ChannelTypes or
// else built in. ChannelWeb, and "", narrow nothing unless ChannelTypes has
// an entry for them. It is the one place that decides which files a member
// may send in a channel: the actions and Client.Preflight all ask it.
//
// A type with no policy is refused with errs.InvalidConfig: files are not
// let through to a network whose limits nobody stated.
func (c Config) PolicyIn(side Side, t ChannelType) (validate.Policy, error) {
	p := c.policy(side)
	if t == "" {
		t = ChannelWeb
	}
	cp, ok := c.ChannelTypes[t]
	if !ok {
		cp, ok = defaultChannelPolicy(t)
	}
	switch {
	case !ok && t == ChannelWeb:
		return p, nil
	case !ok:
		return validate.Policy{}, &errs.Error{Code: errs.InvalidConfig, Op: "channel type",
			Message: "files cannot be sent in this conversation",
			Err:     fmt.Errorf("channel type %q has no policy: add it to channelTypes", t)}
	}
	return cp.narrow(p), nil
}

// narrow returns p within what cp carries.
func (cp ChannelPolicy) narrow(p validate.Policy) validate.Policy {
	if cp.Disabled {
		p.Enabled = false
	}
	if cp.MaxFileSize > 0 && cp.MaxFileSize < p.SizeLimit() {
		p.MaxFileSize = cp.MaxFileSize
	}
	if cp.MaxImageSize > 0 && (p.MaxImageSize == 0 || cp.MaxImageSize < p.MaxImageSize) {
		p.MaxImageSize = cp.MaxImageSize
	}
	if cp.AcceptedExtensions != nil {
		var both []string
		for _, e := range cp.AcceptedExtensions {
			if n, err := validate.NormalizeExtension(e); err == nil && p.AllowsExtension(n) && !slices.Contains(both, n) {
				both = append(both, n)
			}
		}
		if len(both) == 0 {
			// An empty list means the default one to validate: nothing
			// in common means nothing to send.
			p.Enabled = false
		}
		p.AcceptedExtensions = both
	}
	return p
}

// channelPolicyProblems reports what is wrong with the channelTypes block.
func channelPolicyProblems(types map[ChannelType]ChannelPolicy) []error {
	var problems []error
	names := make([]ChannelType, 0, len(types))
	for t := range types {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		cp := types[t]
		prefix := "channelTypes." + string(t)
		if t == "" {
			problems = append(problems, fieldError(prefix, "a channel type needs a name"))
			continue
		}
		problems = append(problems, limitProblems(prefix+".", cp.MaxFileSize, cp.MaxImageSize, cp.AcceptedExtensions,
			"leave it out to carry what the side accepts, or set disabled")...)
	}
	return problems
}

// sendPolicy is the policy that applies to one member sending files in one
// channel: what Config.PolicyIn decided, and why, so that a refusal the
// channel caused can say so.
type sendPolicy struct {
	side    Side
	channel ChannelType
	own     validate.Policy // the side's own policy
	policy  validate.Policy // own, narrowed by the channel type
}

// policyIn returns the sendPolicy of a member of side in channel, asking
// the host's Options.ChannelType what the channel is.
func (c *Client) policyIn(ctx context.Context, channel string, side Side) (sendPolicy, error) {
	t := ChannelWeb
	if c.channelType != nil {
		got, err := c.channelType(ctx, channel)
		if err != nil {
			if errs.As(err) != nil {
				return sendPolicy{}, err
			}
			return sendPolicy{}, &errs.Error{Code: errs.Unavailable, Op: "channel type",
				Message: "files cannot be sent right now, try again", Err: err}
		}
		if got != "" {
			t = got
		}
	}
	p, err := c.cfg.PolicyIn(side, t)
	if err != nil {
		return sendPolicy{}, err
	}
	return sendPolicy{side: side, channel: t, own: c.cfg.policy(side), policy: p}, nil
}

// narrowed reports whether the channel changed anything of the side's
// policy.
func (sp sendPolicy) narrowed() bool {
	return sp.policy.Enabled != sp.own.Enabled || sp.policy.MaxFileSize != sp.own.MaxFileSize ||
		sp.policy.MaxImageSize != sp.own.MaxImageSize || !slices.Equal(sp.policy.AcceptedExtensions, sp.own.AcceptedExtensions)
}

// disabled is the refusal of a member whose channel carries no file its
// side could send.
func (sp sendPolicy) disabled() error {
	if !sp.own.Enabled {
		return &errs.Error{Code: errs.AttachmentsDisabled}
	}
	return &errs.Error{Code: errs.AttachmentsDisabled, Details: errs.Details{Reason: "channel type " + string(sp.channel)},
		Message: "files cannot be sent over " + sp.channel.words()}
}

// preflight is validate.Policy.Preflight under sp, explained.
func (sp sendPolicy) preflight(name, declaredType string, size int64) error {
	_, err := sp.policy.Preflight(name, declaredType, size)
	return sp.explain(err)
}

// check is validate.Policy.Check under sp, explained, down to the last
// byte the returned reader yields.
func (sp sendPolicy) check(ctx context.Context, name, declaredType string, size int64, r io.Reader) (validate.Verdict, io.Reader, error) {
	v, body, err := sp.policy.Check(ctx, name, declaredType, size, r)
	if err != nil {
		return v, nil, sp.explain(err)
	}
	if sp.narrowed() {
		body = &explaining{r: body, sp: sp}
	}
	return v, body, nil
}

// anyPicture is a sniffed picture type: every picture has the same limit.
const anyPicture = "image/jpeg"

// explain returns err with a message that names the channel when the
// channel, not the side's policy, is why the file was refused: a customer
// on WhatsApp learns that WhatsApp does not carry the file, not that the
// business refuses it. Other errors are returned as they are.
func (sp sendPolicy) explain(err error) error {
	e := errs.As(err)
	if e == nil || !sp.narrowed() {
		return err
	}
	where := sp.channel.words()
	var msg string
	switch ext, sniffed := e.Details.Extension, e.Details.SniffedType; e.Code {
	case errs.FileTooLarge:
		picture := sp.policy.SizeLimitFor(anyPicture)
		switch {
		case e.Details.Limit == sp.policy.SizeLimit() && e.Details.Limit < sp.own.SizeLimit():
			msg = where + " accepts files up to " + validate.FormatSize(e.Details.Limit)
		case e.Details.Limit == picture && picture < sp.policy.SizeLimit() && picture < sp.own.SizeLimitFor(anyPicture):
			msg = where + " accepts pictures up to " + validate.FormatSize(e.Details.Limit)
		}
	case errs.ExtensionNotAllowed, errs.TypeNotAllowed:
		switch {
		case ext != "" && sp.own.AllowsExtension(ext) && !sp.policy.AllowsExtension(ext):
			msg = where + " does not carry ." + ext + " files; it carries " + listExtensions(sp.policy.Extensions())
		case ext == "" && sniffed != "" && sp.own.AllowsType(sniffed) && !sp.policy.AllowsType(sniffed):
			msg = where + " does not carry this type of file; it carries " + listExtensions(sp.policy.Extensions())
		}
	}
	if msg == "" {
		return err
	}
	out := *e
	out.Message = msg
	out.Details.Reason = "channel type " + string(sp.channel)
	return &out
}

// listExtensions writes extensions for a person: ".jpg, .png and .pdf".
func listExtensions(exts []string) string {
	dotted := make([]string, len(exts))
	for i, e := range exts {
		dotted[i] = "." + e
	}
	if len(dotted) < 2 {
		return strings.Join(dotted, "")
	}
	return strings.Join(dotted[:len(dotted)-1], ", ") + " and " + dotted[len(dotted)-1]
}

// explaining is the reader check returns under a narrowing channel: the
// validated stream, whose refusals (a file found too large half way) name
// the channel.
type explaining struct {
	r  io.Reader
	sp sendPolicy
}

func (x *explaining) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	if err != nil && err != io.EOF {
		err = x.sp.explain(err)
	}
	return n, err
}
