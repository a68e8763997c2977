package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage/memory"
)

func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// delivery-notes.txt: sent
	// payment.txt: refused (canceled): please don't send card numbers in the chat; remove it from the file and send it again
	// orders.csv: sent
	// files stored: 2
}

func TestContainsCardNumber(t *testing.T) {
	tests := []struct {
		name, text string
		want       bool
	}{
		{"visa, grouped", "card 4111 1111 1111 1111 thanks", true},
		{"visa, plain", "4111111111111111", true},
		{"mastercard, dashes", "5555-5555-5555-4444.", true},
		{"amex, 15 digits", "amex 3782 822463 10005", true},
		{"at the end of a line", "pay with\n4012888888881881\nplease", true},
		{"fails luhn", "4111 1111 1111 1112", false},
		{"too short", "order 411111111111", false},
		{"too long", "tracking 41111111111111111111111", false},
		{"phone numbers", "call 555 0100 or 555 0199", false},
		{"double separators break a run", "4111  1111  1111  1111", false},
		{"dates and amounts", "12/29 19.90 2031-03-01", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := containsCardNumber(iotest.OneByteReader(strings.NewReader(tc.text)))
			if err != nil || got != tc.want {
				t.Errorf("containsCardNumber(%q) = %v, %v; want %v", tc.text, got, err, tc.want)
			}
		})
	}
}

// TestReadFailureIsAnError: a file that cannot be read is never passed as
// clean.
func TestReadFailureIsAnError(t *testing.T) {
	boom := errors.New("disk gone")
	r := io.MultiReader(strings.NewReader("4111 1111 "), iotest.ErrReader(boom))
	if found, err := containsCardNumber(r); !errors.Is(err, boom) || found {
		t.Errorf("containsCardNumber = %v, %v; want the read error", found, err)
	}
}

// TestAttachIsCheckedToo: the check runs when a file is attached to a draft,
// and the refused file is not kept.
func TestAttachIsCheckedToo(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Storage: store})
	require.NoError(t, addContentCheck(h.Client))
	_, err := attachments.Invoke(ctx, h.Client.Registry(), attachments.AttachFile, attachments.AttachFilePayload{
		Channel: attachmentstest.Channel, Sender: h.Customer,
		File: &attachments.File{Name: "card.csv", Body: strings.NewReader("name,card\ncasey,5555555555554444\n")},
	})
	require.ErrorIs(t, err, errs.Canceled, "a file with a card number was attached")
	assert.Equal(t, cardNumberReason, errs.As(err).Text(), "the customer is not told why")
	d, err := h.Client.Draft(ctx, attachmentstest.Channel, h.Customer)
	require.NoError(t, err)
	assert.Empty(t, d.Files, "the refused file stays in the draft")
	for info, err := range store.List(ctx, "media/") {
		t.Errorf("left in storage: %v %v", info.Key, err)
	}
}
