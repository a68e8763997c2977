package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
)

// Message is the message of every record the audit logs.
const Message = "attachments audit"

// MinChannelKeyLen is the shortest Options.ChannelKey accepted, in bytes.
const MinChannelKeyLen = 16

// Options are Install's optional arguments. A nil *Options means every
// default.
type Options struct {
	// Actions names the actions to log (see package hooks). Nil means
	// hooks.BuiltinActions(): all of them.
	Actions []string
	// ChannelKey, when set, logs each channel as "channel": the first 16 hex
	// digits of its HMAC-SHA256 under this key. Nil leaves channels out. At
	// least MinChannelKeyLen bytes.
	ChannelKey []byte
}

// Install logs every outcome of c's actions to logger, and returns a
// function that stops it. A success is logged at Info; a refusal (a policy,
// a permission, a listener's cancel, malware) at Warn; a failure of the
// system (errs.Internal, errs.Unavailable, errs.ListenerPanic) at Error.
//
// A record holds these attributes, when they apply: "action", "code" ("ok"
// or the error's code), "side" (the side of the actor's role), "channel" (hashed, with
// a ChannelKey), "message" (the message SID), "signature" (the malware
// found, for code "infected"), and "media", a group with one group per file,
// "0", "1", …, each holding "sid", "type" and "size".
//
// It returns an errs.InvalidArgument error for a nil logger and an
// errs.InvalidConfig error for a ChannelKey that is set but short, and the
// errors of hooks.After for bad Actions.
func Install(c *attachments.Client, logger *slog.Logger, opts *Options) (remove func(), err error) {
	if logger == nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "audit", Message: "nil logger"}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ChannelKey != nil && len(o.ChannelKey) < MinChannelKeyLen {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: "audit", Message: "audit channel key too short"}
	}
	if o.Actions == nil {
		o.Actions = hooks.BuiltinActions()
	}
	a := &auditor{log: logger, key: bytes.Clone(o.ChannelKey)}
	return hooks.After(c, a.record, o.Actions...)
}

type auditor struct {
	log *slog.Logger
	key []byte
}

// record is the after-listener. It picks the attributes it logs one by one:
// nothing from the event reaches the log unless named here.
func (a *auditor) record(ctx context.Context, e hooks.Event) {
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("action", e.Action), slog.String("code", e.Code))
	if e.Side != "" {
		attrs = append(attrs, slog.String("side", string(e.Side)))
	}
	if a.key != nil && e.Channel != "" {
		attrs = append(attrs, slog.String("channel", a.hashChannel(e.Channel)))
	}
	if e.MessageSID != "" {
		attrs = append(attrs, slog.String("message", e.MessageSID))
	}
	if e.Code == string(errs.Infected) && e.Reason != "" {
		attrs = append(attrs, slog.String("signature", e.Reason))
	}
	if len(e.Media) > 0 {
		files := make([]any, 0, len(e.Media))
		for i, m := range e.Media {
			file := []any{slog.String("sid", m.SID)}
			if m.ContentType != "" {
				file = append(file, slog.String("type", m.ContentType))
			}
			if m.Size > 0 {
				file = append(file, slog.Int64("size", m.Size))
			}
			files = append(files, slog.Group(strconv.Itoa(i), file...))
		}
		attrs = append(attrs, slog.Group("media", files...))
	}
	a.log.LogAttrs(ctx, level(e.Code), Message, attrs...)
}

// level is the level of an outcome: a success, a refusal, or a failure of
// the system.
func level(code string) slog.Level {
	switch errs.Code(code) {
	case hooks.OK:
		return slog.LevelInfo
	case errs.Internal, errs.Unavailable, errs.ListenerPanic:
		return slog.LevelError
	}
	return slog.LevelWarn
}

func (a *auditor) hashChannel(channel string) string {
	h := hmac.New(sha256.New, a.key)
	h.Write([]byte(channel))
	return hex.EncodeToString(h.Sum(nil)[:8])
}
