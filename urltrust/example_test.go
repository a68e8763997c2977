package urltrust_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/urltrust"
)

// A chat whose clients keep their files on the host's CDN trusts the CDN's
// chat directory: a message carrying media by a URL under it is accepted,
// one that a browser would open elsewhere is refused.
func ExamplePrefixes() {
	trust, err := urltrust.Prefixes("https://cdn.example.com/chat/")
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	members := &attachmentstest.Members{}
	_ = members.SetRole(ctx, "CH1", "casey", attachments.RoleCustomer)
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members,
		&attachments.Options{TrustURL: trust, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer c.Close(context.Background())
	casey := attachments.Member{Identity: "casey"}
	for _, u := range []string{
		`https://cdn.example.com/chat/u/42/statement.pdf`,
		`https://cdn.example.com/chat/..\tenant-b\statement.pdf`, // a browser opens /tenant-b/statement.pdf
	} {
		_, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, attachments.SendMessagePayload{
			Channel: "CH1", Sender: casey, Body: "statement.pdf",
			Attributes: map[string]any{"media": map[string]any{
				"url": u, "filename": "statement.pdf", "contentType": "application/pdf", "size": 48213}},
		})
		if err != nil {
			fmt.Printf("%s: refused, %s\n", u, errs.CodeOf(err))
			continue
		}
		fmt.Printf("%s: accepted\n", u)
	}
	// Output:
	// https://cdn.example.com/chat/u/42/statement.pdf: accepted
	// https://cdn.example.com/chat/..\tenant-b\statement.pdf: refused, invalid_payload
}
