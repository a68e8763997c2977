// Package hosttest shows what a host's own rules and their tests look like:
// a Flex configuration and a content rule that keeps payment card numbers
// out of the chat (PCI DSS), each tested with package attachmentstest in a
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

// NoCardNumbers is a before-listener of SendMediaMessage that cancels a
// text file holding a payment card number (13 to 19 digits, spaces or dashes
// between groups allowed, that pass the Luhn check). It reads the stored
// file, as the library hands it to listeners, one line at a time.
func NoCardNumbers(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
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
		if holdsCardNumber(lines.Text()) {
			return p, attachments.Cancel("files with payment card numbers cannot be sent here; read the number to the agent instead")
		}
	}
	return p, lines.Err()
}

// holdsCardNumber reports whether line holds a run of 13 to 19 digits,
// separated by at most single spaces or dashes, that passes the Luhn check.
func holdsCardNumber(line string) bool {
	var digits []byte
	flush := func() bool {
		ok := len(digits) >= 13 && len(digits) <= 19 && luhn(digits)
		digits = digits[:0]
		return ok
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case (c == ' ' || c == '-') && len(digits) > 0 && i+1 < len(line) && line[i+1] >= '0' && line[i+1] <= '9':
		default:
			if flush() {
				return true
			}
		}
	}
	return flush()
}

func luhn(digits []byte) bool {
	sum := 0
	for i := range digits {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
