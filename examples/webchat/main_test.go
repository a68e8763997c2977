package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attachkit/attachments/examples/webchat/internal/chat"
	"github.com/attachkit/attachments/hooks/clamav/clamavtest"
)

// start runs the demo with args until the returned cancel is called, and
// returns the lines it prints as they come.
func start(t *testing.T, args ...string) (lines <-chan string, done <-chan error, cancel func()) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	out := make(chan string, 16)
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, io.Discard)
		pw.Close()
		errc <- err
	}()
	go func() {
		defer close(out)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	t.Cleanup(stop)
	return out, errc, stop
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("the demo stopped printing")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("the demo printed nothing within 10s")
	}
	return ""
}

// signIn returns a client signed in to views of the demo at base.
func signIn(t *testing.T, base string, views ...string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	for _, v := range views {
		res, err := c.Post(base+"session/"+v, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("sign in as the %s: %d", v, res.StatusCode)
		}
	}
	return c
}

func TestRunServesAndShutsDownGracefully(t *testing.T) {
	lines, done, stop := start(t, "-addr", "127.0.0.1:0", "-config", "flex-config.json")
	dataLine := nextLine(t, lines)
	m := regexp.MustCompile(`^data: (\S+) \(temporary`).FindStringSubmatch(dataLine)
	if m == nil {
		t.Fatalf("first line = %q, want the temporary data directory", dataLine)
	}
	dir := m[1]
	urlLine := nextLine(t, lines)
	u := regexp.MustCompile(`^web chat demo: (http://127\.0\.0\.1:\d+/)$`).FindStringSubmatch(urlLine)
	if u == nil {
		t.Fatalf("second line = %q, want the URL", urlLine)
	}

	res, err := http.Get(u[1] + "api/customer/state")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("state without a session: %d, want 403", res.StatusCode)
	}
	client := signIn(t, u[1], "customer", "agent")
	res, err = client.Get(u[1] + "api/customer/state")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"mode":"conversations"`) {
		t.Fatalf("state: %d %s, want the config file's mode", res.StatusCode, body)
	}

	// An open event stream must not hold the shutdown up.
	events, err := client.Get(u[1] + "api/agent/events")
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("no graceful shutdown within 8s")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the temporary data directory %s is still there (%v)", dir, err)
	}
}

func TestRunKeepsAGivenDataDirectory(t *testing.T) {
	dir := t.TempDir()
	lines, done, stop := start(t, "-addr", "127.0.0.1:0", "-data", dir)
	if got := nextLine(t, lines); got != "data: "+dir {
		t.Errorf("first line = %q", got)
	}
	nextLine(t, lines)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"chat.jsonl", "link.key", "session.key", "storage"} {
		if _, err := os.Stat(dir + "/" + name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRunRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, "unexpected arguments"},
		{"missing config", []string{"-config", "does-not-exist.json"}, "cannot read the configuration file"},
		{"bad address", []string{"-addr", "256.0.0.1:80"}, "256.0.0.1"},
		{"bad clamd address", []string{"-clamd", "127.0.0.1:3310"}, "want unix:<socket path> or tcp:<host:port>"},
		{"clamd not answering", []string{"-clamd", "unix:/nonexistent/clamd.ctl"}, "does not answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

// TestRunScansWithClamd runs the demo with a real clamd: the EICAR test file
// is refused as infected, with a message for the sender.
func TestRunScansWithClamd(t *testing.T) {
	d, err := clamavtest.Start(context.Background(), nil)
	if errors.Is(err, clamavtest.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	lines, done, stop := start(t, "-addr", "127.0.0.1:0", "-clamd", "unix:"+d.Socket)
	if got := nextLine(t, lines); !strings.HasPrefix(got, "virus scan: ClamAV") {
		t.Errorf("first line = %q, want clamd's version", got)
	}
	nextLine(t, lines) // the data directory
	url := strings.TrimPrefix(nextLine(t, lines), "web chat demo: ")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "eicar.txt")
	fw.Write([]byte(clamavtest.EICAR))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, url+"attachments/api/channels/"+chat.Channel+"/draft/files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Webchat-View", "customer")
	res, err := signIn(t, url, "customer").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Error struct{ Code, Message string }
	}
	json.NewDecoder(res.Body).Decode(&reply)
	rep := reply.Error
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || rep.Code != "infected" || strings.Contains(rep.Message, "Eicar") {
		t.Errorf("EICAR upload: %d %+v, want 422 infected without the signature name", res.StatusCode, rep)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestReadmeCommands runs every `go -C examples/webchat run .` command of
// the repository's README, with its arguments as written: go -C runs the
// program in examples/webchat, where this test runs too, so a path the
// README gives must be one from there. Only the address is replaced, by a
// free port.
func TestReadmeCommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "go -C examples/webchat run ."
	seen := map[string]bool{}
	for line := range strings.SplitSeq(string(readme), "\n") {
		for rest := line; ; {
			i := strings.Index(rest, cmd)
			if i < 0 {
				break
			}
			rest = rest[i+len(cmd):]
			args := rest
			if j := strings.IndexAny(args, "`#\n"); j >= 0 {
				args = args[:j]
			}
			seen[strings.TrimSpace(args)] = true
		}
	}
	if !seen["-config flex-config.json"] {
		t.Errorf("the README shows no run with the example configuration; commands seen: %v", seen)
	}
	for args := range seen {
		t.Run(cmd+" "+args, func(t *testing.T) {
			fields := strings.Fields(args)
			for i := 0; i < len(fields); i++ {
				if fields[i] == "-addr" && i+1 < len(fields) {
					fields = append(fields[:i], fields[i+2:]...)
					i--
				}
			}
			lines, done, stop := start(t, append([]string{"-addr", "127.0.0.1:0"}, fields...)...)
			var url string
			for url == "" {
				if l, ok := strings.CutPrefix(nextLine(t, lines), "web chat demo: "); ok {
					url = l
				}
			}
			res, err := signIn(t, url, "customer").Get(url + "api/customer/state")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("state: %d", res.StatusCode)
			}
			stop()
			if err := <-done; err != nil {
				t.Fatalf("%s %s: %v", cmd, args, err)
			}
		})
	}
}
