package filter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/hooks/filter"
	"github.com/attachkit/attachments/internal/hookstest"
)

// TestOnlyForDecidesOnTheRolesSide sends every kind of file from every kind
// of role, each member's request also claiming another side in its JSON,
// against rules for each side: what passes follows the role in the
// directory alone.
func TestOnlyForDecidesOnTheRolesSide(t *testing.T) {
	roles := attachments.DefaultRoles()
	// Supervisors may send files here, and a bot role the library does not
	// know (it has no side) may too.
	roles[attachments.RoleSupervisor] = append(roles[attachments.RoleSupervisor], attachments.PermSendMediaMessage)
	roles["bot"] = []attachments.Permission{attachments.PermSendMessage, attachments.PermSendMediaMessage}
	h := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Roles: roles})
	ctx := context.Background()
	rules := filter.Rules{OnlyFor: map[string][]attachments.Side{
		"application/pdf": {attachments.SideAgent},
		"image/*":         {attachments.SideCustomer, attachments.SideSupervisor},
		"text/plain":      {attachments.SideCustomer, attachments.SideAgent, attachments.SideSupervisor},
	}}
	_, err := filter.Install(h.Client, rules)
	require.NoError(t, err)
	var sides []attachments.Side
	_, err = hooks.After(h.Client, func(_ context.Context, e hooks.Event) { sides = append(sides, e.Side) }, hooks.UploadActions()...)
	require.NoError(t, err)

	files := map[string][]byte{"terms.pdf": []byte(pdf), "a.png": hookstest.PNG(1, 1), "notes.txt": []byte("hi\n")}
	ok, refused := errs.Code(""), errs.TypeNotAllowed
	tests := []struct {
		role attachments.Role
		side attachments.Side
		want map[string]errs.Code
	}{
		{attachments.RoleCustomer, attachments.SideCustomer, map[string]errs.Code{"terms.pdf": refused, "a.png": ok, "notes.txt": ok}},
		{attachments.RoleAgent, attachments.SideAgent, map[string]errs.Code{"terms.pdf": ok, "a.png": refused, "notes.txt": ok}},
		{attachments.RoleSupervisor, attachments.SideSupervisor, map[string]errs.Code{"terms.pdf": refused, "a.png": ok, "notes.txt": ok}},
		// A role with no side has no policy: the guard refuses it any file
		// before a rule runs, whatever side it claims.
		{"bot", "", map[string]errs.Code{"terms.pdf": errs.AttachmentsDisabled, "a.png": errs.AttachmentsDisabled, "notes.txt": errs.AttachmentsDisabled}},
		// Blocked from files: the guard refuses before any rule runs.
		{"customer:blocked-files", attachments.SideCustomer, map[string]errs.Code{"terms.pdf": errs.PermissionDenied, "a.png": errs.PermissionDenied, "notes.txt": errs.PermissionDenied}},
		{"agent:blocked", attachments.SideAgent, map[string]errs.Code{"terms.pdf": errs.PermissionDenied, "a.png": errs.PermissionDenied, "notes.txt": errs.PermissionDenied}},
	}
	for i, tt := range tests {
		identity := fmt.Sprintf("member-%d", i)
		require.NoError(t, h.Members.SetRole(ctx, attachmentstest.Channel, identity, tt.role))
		for _, claim := range []attachments.Side{"", attachments.SideCustomer, attachments.SideAgent, attachments.SideSupervisor} {
			// What a client's request says about itself: its side, its role.
			var m attachments.Member
			doc := fmt.Sprintf(`{"identity": %q, "side": %q, "role": %q}`, identity, claim, claim)
			require.NoError(t, json.Unmarshal([]byte(doc), &m))
			for name, want := range tt.want {
				sides = sides[:0]
				_, err := attachments.Invoke(ctx, h.Client.Registry(), attachments.SendMediaMessage, attachments.SendMediaMessagePayload{
					Channel: attachmentstest.Channel, Sender: m, File: &attachments.File{Name: name, Body: bytes.NewReader(files[name])}})
				assert.Equal(t, want, errs.CodeOf(err), "role %s claiming side %q sends %s: %v", tt.role, claim, name, err)
				if assert.Len(t, sides, 1) {
					assert.Equal(t, tt.side, sides[0], "the event's side is the role's (%s), not the claim (%q)", tt.role, claim)
				}
			}
		}
	}
}
