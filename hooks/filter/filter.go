package filter

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
)

// Rules are a filter's rules. The zero value has none, and is refused by
// Install.
type Rules struct {
	// MaxPixels refuses an image whose width × height is larger. Zero means
	// no limit.
	MaxPixels int64
	// MaxWidth and MaxHeight refuse an image wider or taller, in pixels.
	// Zero means no limit.
	MaxWidth, MaxHeight int
	// OnlyFor keeps types to sides: a file whose sniffed content type
	// matches a key may be sent only by members of the sides listed, the
	// side of each sender's role in the host's directory (hooks.Event.Side),
	// whatever the request claims; a sender whose role has no side is
	// refused. A key
	// is a type ("application/pdf") or a family ("image/*"); a file that
	// matches several keys must pass each.
	OnlyFor map[string][]attachments.Side
}

// measures reports whether r has an image rule.
func (r Rules) measures() bool { return r.MaxPixels > 0 || r.MaxWidth > 0 || r.MaxHeight > 0 }

// check returns an errs.InvalidConfig error for rules that make no sense.
func (r Rules) check() error {
	bad := func(format string, a ...any) error {
		return &errs.Error{Code: errs.InvalidConfig, Op: "filter", Message: fmt.Sprintf(format, a...)}
	}
	if r.MaxPixels < 0 || r.MaxWidth < 0 || r.MaxHeight < 0 {
		return bad("negative image limit")
	}
	if !r.measures() && len(r.OnlyFor) == 0 {
		return bad("no rules")
	}
	for _, pattern := range slices.Sorted(maps.Keys(r.OnlyFor)) {
		major, minor, ok := strings.Cut(pattern, "/")
		if !ok || major == "" || major == "*" || minor == "" || strings.ContainsAny(pattern, " ;,") ||
			(strings.Contains(minor, "*") && minor != "*") {
			return bad("OnlyFor: %q is not a content type or a family such as image/*", pattern)
		}
		if len(r.OnlyFor[pattern]) == 0 {
			return bad("OnlyFor: no side may send %q; leave it out of the accepted extensions instead", pattern)
		}
	}
	return nil
}

// Install adds rules to c as a before-listener of SendMediaMessage and
// AttachFile, and returns a function that removes it. A draft being sent is
// not checked again: its files were checked when they were attached. Install
// returns an errs.InvalidConfig error for rules with nothing to check, a
// negative limit or a malformed OnlyFor key.
func Install(c *attachments.Client, rules Rules) (remove func(), err error) {
	if err := rules.check(); err != nil {
		return nil, err
	}
	r := rules
	r.OnlyFor = make(map[string][]attachments.Side, len(rules.OnlyFor))
	for k, v := range rules.OnlyFor {
		r.OnlyFor[strings.ToLower(k)] = slices.Clone(v)
	}
	return hooks.Before(c, r.apply, hooks.UploadActions()...)
}

// apply is the before-listener.
func (r Rules) apply(ctx context.Context, e hooks.Event) error {
	if e.FromDraft {
		return nil // checked when attached
	}
	if !e.HasFile() || len(e.Media) != 1 {
		// The guard stores every file it passes; fail closed all the same.
		return &errs.Error{Code: errs.InvalidPayload, Op: "filter", Message: "no stored file to check"}
	}
	m := e.Media[0]
	if err := r.checkType(e.Side, m.ContentType); err != nil {
		return err
	}
	if r.measures() {
		return r.checkImage(ctx, e, m.ContentType)
	}
	return nil
}

// checkType applies OnlyFor.
func (r Rules) checkType(side attachments.Side, contentType string) error {
	ct := baseType(contentType)
	for pattern, sides := range r.OnlyFor {
		if matches(pattern, ct) && !slices.Contains(sides, side) {
			return &errs.Error{Code: errs.TypeNotAllowed, Op: "filter",
				Message: "you cannot send this type of file here", Details: errs.Details{SniffedType: ct}}
		}
	}
	return nil
}

// checkImage applies the image limits to an image it can measure.
func (r Rules) checkImage(ctx context.Context, e hooks.Event, contentType string) error {
	dimensions, ok := dimensionsReader(baseType(contentType))
	if !ok {
		return nil
	}
	rc, err := e.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	w, h, err := dimensions(rc)
	if err != nil {
		if ctx.Err() != nil {
			return &errs.Error{Code: errs.Canceled, Op: "filter", Err: ctx.Err()}
		}
		return &errs.Error{Code: errs.InvalidPayload, Op: "filter", Message: "the image is damaged and cannot be read",
			Details: errs.Details{SniffedType: contentType}, Err: err}
	}
	var limit string
	switch {
	case r.MaxWidth > 0 && w > r.MaxWidth:
		limit = fmt.Sprintf("at most %d pixels wide", r.MaxWidth)
	case r.MaxHeight > 0 && h > r.MaxHeight:
		limit = fmt.Sprintf("at most %d pixels high", r.MaxHeight)
	case r.MaxPixels > 0 && int64(w)*int64(h) > r.MaxPixels:
		limit = fmt.Sprintf("at most %d pixels in all", r.MaxPixels)
	default:
		return nil
	}
	return &errs.Error{Code: errs.FileTooLarge, Op: "filter",
		Message: fmt.Sprintf("the image is too large (%d×%d pixels); send one %s", w, h, limit),
		Details: errs.Details{SniffedType: contentType, Reason: fmt.Sprintf("%dx%d pixels", w, h)}}
}

// baseType returns a content type without parameters, in lower case.
func baseType(ct string) string {
	ct, _, _ = strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(ct))
}

// matches reports whether ct is pattern, or in pattern's family.
func matches(pattern, ct string) bool {
	if family, ok := strings.CutSuffix(pattern, "/*"); ok {
		major, _, _ := strings.Cut(ct, "/")
		return major == family
	}
	return pattern == ct
}
