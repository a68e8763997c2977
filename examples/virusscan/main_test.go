package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
	"github.com/attachkit/attachments/internal/hookstest"
)

// clamd is the one real clamd of this test binary.
var clamd clamavtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := clamd.Close(); err != nil {
		println("clamavtest:", err.Error())
	}
	os.Exit(code)
}

// sid matches a media SID in the output.
var sid = regexp.MustCompile(`ME[0-9a-f]{32}`)

func TestRun(t *testing.T) {
	d := clamd.Get(t)
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.png")
	if err := os.WriteFile(photo, hookstest.PNG(2, 2), 0o600); err != nil {
		t.Fatal(err)
	}
	virus := filepath.Join(dir, "invoice.txt")
	if err := os.WriteFile(virus, []byte(eicar), 0o600); err != nil {
		t.Fatal(err)
	}
	nowhere := "unix:" + filepath.Join(dir, "no-clamd.sock")

	tests := []struct {
		name    string
		args    []string
		wantErr error // errRefused, or nil
		want    []string
	}{
		{"clean file over tcp", []string{"-clamd", "tcp:" + d.TCPAddr, photo}, nil, []string{
			"clamd: ClamAV ",
			"photo.png: sent as ME* (image/png, 75 bytes)",
			"photo.png: link issued to the agent",
		}},
		{"eicar over the socket", []string{"-clamd", "unix:" + d.Socket, "-eicar", photo}, errRefused, []string{
			"clamd: ClamAV ",
			"eicar.txt: refused: infected: the file was refused because it contains malware [signature " + clamavtest.EICARSignature + "]",
			"photo.png: sent as ME* (image/png, 75 bytes)",
			"photo.png: link issued to the agent",
		}},
		{"a virus on disk, with -recheck", []string{"-clamd", "unix:" + d.Socket, "-recheck", virus}, errRefused, []string{
			"clamd: ClamAV ",
			"invoice.txt: refused: infected: the file was refused because it contains malware [signature " + clamavtest.EICARSignature + "]",
		}},
		{"clamd down fails closed", []string{"-clamd", nowhere, photo}, errRefused, []string{
			"clamd: not answering (",
			"photo.png: refused: unavailable: ",
		}},
		{"clamd down, failing open", []string{"-clamd", nowhere, "-fail-open", photo}, nil, []string{
			"clamd: not answering (",
			"photo.png: sent as ME* (image/png, 75 bytes)",
			"photo.png: link issued to the agent",
		}},
		{"missing file", []string{"-clamd", "unix:" + d.Socket, filepath.Join(dir, "gone.png")}, errRefused, []string{
			"clamd: ClamAV ",
			"gone.png: failed: open " + filepath.Join(dir, "gone.png") + ": no such file or directory",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("run = %v, want %v\nstdout:\n%s\nstderr:\n%s", err, tt.wantErr, &stdout, &stderr)
			}
			got := strings.Split(strings.TrimSpace(sid.ReplaceAllString(stdout.String(), "ME*")), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("output:\n%s\nwant %d lines like:\n%s", &stdout, len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("line %d = %q, want it to start with %q", i+1, got[i], w)
				}
			}
		})
	}
}

func TestRunArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing to send", []string{}, "no files to send"},
		{"bad address", []string{"-clamd", "localhost", "-eicar"}, "want unix:<socket path> or tcp:<host:port>"},
		{"bad network", []string{"-clamd", "udp:127.0.0.1:3310", "-eicar"}, "unsupported clamd network"},
		{"unknown flag", []string{"-scan-harder"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || errors.Is(err, errRefused) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want a usage error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
