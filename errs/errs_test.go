package errs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/attachkit/attachments/errs"
)

// fieldError stands for the typed errors hosts and packages put in a cause,
// such as the core's *FieldError.
type fieldError struct{ field string }

func (e *fieldError) Error() string { return "bad " + e.field }

// TestIsMatchesTheOwnCodeOnly: an error matches its own code and no code
// deeper in its chain, while everything else in the chain still matches.
func TestIsMatchesTheOwnCodeOnly(t *testing.T) {
	notFound := &errs.Error{Code: errs.NotFound, Op: "directory"}
	refusal := &errs.Error{Code: errs.PermissionDenied, Op: "sendMessage", Err: notFound}
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"its own code", refusal, errs.PermissionDenied, true},
		{"a code in its cause", refusal, errs.NotFound, false},
		{"an *Error with its own code", refusal, &errs.Error{Code: errs.PermissionDenied}, true},
		{"an *Error with its cause's code", refusal, &errs.Error{Code: errs.NotFound}, false},
		{"its cause itself", refusal, notFound, true},
		{"a bare code as its cause", &errs.Error{Code: errs.Unavailable, Err: errs.NotFound}, errs.NotFound, false},
		{"a code two causes down", &errs.Error{Code: errs.Internal, Err: refusal}, errs.NotFound, false},
		{"a code wrapped by fmt", fmt.Errorf("lookup: %w", notFound), errs.NotFound, true},
		{"a code wrapped by fmt in a cause", &errs.Error{Code: errs.Unavailable, Err: fmt.Errorf("lookup: %w", notFound)}, errs.NotFound, false},
		{"context.Canceled in the cause", &errs.Error{Code: errs.Canceled, Err: context.Canceled}, context.Canceled, true},
		{"a deadline two causes down", &errs.Error{Code: errs.Unavailable, Err: &errs.Error{Code: errs.Canceled, Err: fmt.Errorf("get: %w", context.DeadlineExceeded)}}, context.DeadlineExceeded, true},
		{"io.EOF in a joined cause", &errs.Error{Code: errs.Unavailable, Err: errors.Join(errs.NotFound, io.EOF)}, io.EOF, true},
		{"a code in a joined cause", &errs.Error{Code: errs.Unavailable, Err: errors.Join(errs.NotFound, io.EOF)}, errs.NotFound, false},
		{"its cause inside a join", &errs.Error{Code: errs.Unavailable, Err: errors.Join(io.EOF, notFound)}, notFound, true},
		{"a bare code", errs.NotFound, errs.NotFound, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, errors.Is(tt.err, tt.target),
				"errors.Is(%v, %v): a host switching on codes would take the wrong branch", tt.err, tt.target)
		})
	}
}

// TestAsAndCodeOfFindTheOutermost: errors.As and errs.As find the outermost
// *Error, CodeOf reports its code, and errors.As still finds other types in
// the causes.
func TestAsAndCodeOfFindTheOutermost(t *testing.T) {
	field := &fieldError{field: "maxFileSize"}
	inner := &errs.Error{Code: errs.InvalidConfig, Op: "config", Err: field}
	outer := &errs.Error{Code: errs.Unavailable, Op: "open", Err: fmt.Errorf("load: %w", inner)}
	wrapped := fmt.Errorf("start: %w", outer)

	var e *errs.Error
	if assert.True(t, errors.As(wrapped, &e), "errors.As finds no *Error") {
		assert.Same(t, outer, e, "errors.As found an inner *Error, not the outermost")
	}
	assert.Same(t, outer, errs.As(wrapped), "errs.As found an inner *Error, not the outermost")
	assert.Equal(t, errs.Unavailable, errs.CodeOf(wrapped), "CodeOf reports an inner code")
	assert.Equal(t, errs.NotFound, errs.CodeOf(fmt.Errorf("x: %w", errs.NotFound)), "CodeOf misses a bare code")
	assert.Equal(t, errs.Internal, errs.CodeOf(io.EOF), "CodeOf of an uncoded error")
	assert.Equal(t, errs.Code(""), errs.CodeOf(nil), "CodeOf of nil")

	var fe *fieldError
	if assert.True(t, errors.As(wrapped, &fe), "errors.As does not find a typed error in a cause") {
		assert.Same(t, field, fe)
	}
}

// TestErrorSaysEachThingOnce: an error string reads "op: message: cause"
// without saying the same thing twice.
func TestErrorSaysEachThingOnce(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a bare code as the cause", &errs.Error{Code: errs.NotFound, Op: "get media/ME1", Err: errs.NotFound}, "get media/ME1: not found"},
		{"another code as the cause", &errs.Error{Code: errs.Unavailable, Op: "get k", Err: errs.NotFound}, "get k: the service is unavailable, try again later: not_found"},
		{"a cause with the same message", &errs.Error{Code: errs.NotFound, Op: "get k", Err: &errs.Error{Code: errs.NotFound}}, "get k: not found"},
		{"a cause with its own op", &errs.Error{Code: errs.NotFound, Op: "download", Err: &errs.Error{Code: errs.NotFound, Op: "get k"}}, "download: get k: not found"},
		{"a cause with another message", &errs.Error{Code: errs.Canceled, Op: "put k", Err: context.Canceled}, "put k: the action was canceled: context canceled"},
		{"no op, no cause", &errs.Error{Code: errs.LinkExpired}, "the link has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error(), "the log line says a thing twice or leaves one out")
		})
	}
}
