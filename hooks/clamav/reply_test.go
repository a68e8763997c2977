package clamav

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/attachkit/attachments/errs"
)

func TestParseScanReply(t *testing.T) {
	tests := []struct {
		reply string
		want  Result
		code  errs.Code // "" when want applies
	}{
		{"stream: OK", Result{}, ""},
		{"stream: Eicar-Test-Signature.UNOFFICIAL FOUND", Result{true, "Eicar-Test-Signature.UNOFFICIAL"}, ""},
		{"stream: Win.Test.EICAR_HDB-1 FOUND", Result{true, "Win.Test.EICAR_HDB-1"}, ""},
		{"stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND", Result{true, "Heuristics.Limits.Exceeded.MaxFileSize"}, ""},
		{"stream: Name With Spaces FOUND", Result{true, "Name With Spaces"}, ""},
		{"stream: Bad\x1b[31mName\u00e9 FOUND", Result{true, "Bad?[31mName?"}, ""},
		// Any FOUND is a detection, so that FailOpen can never let it through.
		{"Odd.Prefix FOUND", Result{true, "Odd.Prefix"}, ""},
		{" FOUND", Result{true, ""}, ""},
		{"INSTREAM size limit exceeded. ERROR", Result{}, errs.FileTooLarge},
		{"stream: Can't allocate memory ERROR", Result{}, errs.Unavailable},
		{"stream: lstat() failed: No such file or directory. ERROR", Result{}, errs.Unavailable},
		{"UNKNOWN COMMAND", Result{}, errs.Unavailable},
		{"COMMAND READ TIMED OUT", Result{}, errs.Unavailable},
		{"", Result{}, errs.Unavailable},
		{"stream: ok", Result{}, errs.Unavailable},
		{"stream: OK ", Result{}, errs.Unavailable},
		{"stream:OK", Result{}, errs.Unavailable},
		{"1: stream: OK", Result{}, errs.Unavailable},
		{"PONG", Result{}, errs.Unavailable},
	}
	for _, tt := range tests {
		got, err := parseScanReply("op", tt.reply)
		if tt.code != "" {
			if c := errs.CodeOf(err); c != tt.code || got != (Result{}) {
				t.Errorf("parseScanReply(%q) = %+v, code %q; want code %q", tt.reply, got, c, tt.code)
			}
			if e := errs.As(err); e != nil && e.Message == "" {
				t.Errorf("parseScanReply(%q): empty Message, want one fit to show the sender", tt.reply)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseScanReply(%q) = %+v, %v; want %+v", tt.reply, got, err, tt.want)
		}
	}
}

func TestReadReply(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		r       io.Reader
		want    string
		wantErr error // matched with errors.Is; nil for success
		anyErr  bool  // any error will do
	}{
		{"one read", strings.NewReader("PONG\x00"), "PONG", nil, false},
		{"byte by byte", iotest.OneByteReader(strings.NewReader("stream: OK\x00")), "stream: OK", nil, false},
		{"data with EOF", iotest.DataErrReader(strings.NewReader("PONG\x00")), "PONG", nil, false},
		{"bytes after the NUL ignored", strings.NewReader("PONG\x00junk"), "PONG", nil, false},
		{"empty reply", strings.NewReader("\x00"), "", nil, false},
		{"nothing", strings.NewReader(""), "", io.ErrUnexpectedEOF, false},
		{"no NUL", strings.NewReader("stream: OK"), "", errNoTerminator, false},
		{"too long", strings.NewReader(strings.Repeat("x", maxReplyLen+1) + "\x00"), "", nil, true},
		{"exactly too long", strings.NewReader(strings.Repeat("x", maxReplyLen)), "", nil, true},
		{"reader error", io.MultiReader(strings.NewReader("stre"), iotest.ErrReader(boom)), "", boom, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readReply(tt.r)
			switch {
			case tt.anyErr:
				if err == nil {
					t.Errorf("readReply = %q, nil; want an error", got)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("readReply = %q, %v; want error %v", got, err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Errorf("readReply = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
