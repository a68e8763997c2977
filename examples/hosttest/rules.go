// Package hosttest shows what a host's own rules and their tests look like:
// a Flex configuration and a content rule that keeps passwords out of the
// chat, each tested with package attachmentstest in a
// few lines, without a server (see rules_test.go, the file to copy).
package hosttest

import (
	"bufio"
	"context"
	"strings"

	"github.com/attachkit/attachments"
)

// configJSON is the host's configuration, in Flex's shape: customers and
// agents may send pictures, PDFs and text files of up to 5 MiB.
const configJSON = `{"fileAttachment": {"enabled": true, "maxFileSize": 5242880,
	"acceptedExtensions": ["png", "jpg", "pdf", "txt"]}}`

// Config returns the host's configuration.
func Config() (attachments.Config, error) { return attachments.ParseConfig([]byte(configJSON)) }

// NoPasswords is a before-listener of SendMediaMessage that cancels a text
// file holding a line that gives a password ("password: …", "pwd=…"):
// credentials pasted into a chat outlive the conversation. It reads the
// stored file, as the library hands it to listeners, one line at a time.
func NoPasswords(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
	m, ok := p.File.Media()
	if !ok || !strings.HasPrefix(m.ContentType, "text/") {
		return p, nil
	}
	rc, err := p.File.Open(ctx)
	if err != nil {
		return p, err
	}
	defer rc.Close()
	lines := bufio.NewScanner(rc)
	for lines.Scan() {
		if givesPassword(lines.Text()) {
			return p, attachments.Cancel("files with passwords cannot be sent here; remove the password and send the file again")
		}
	}
	return p, lines.Err()
}

// givesPassword reports whether line reads "password" or "pwd", in any
// case, followed by ':' or '=' and a value.
func givesPassword(line string) bool {
	l := strings.ToLower(line)
	for _, key := range []string{"password", "pwd"} {
		for rest := l; ; {
			i := strings.Index(rest, key)
			if i < 0 {
				break
			}
			rest = strings.TrimLeft(rest[i+len(key):], " \t")
			if v, ok := strings.CutPrefix(rest, ":"); ok && strings.TrimSpace(v) != "" {
				return true
			}
			if v, ok := strings.CutPrefix(rest, "="); ok && strings.TrimSpace(v) != "" {
				return true
			}
		}
	}
	return false
}
