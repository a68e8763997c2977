package chat

import "github.com/attachkit/attachments"

// Channel is the demo's one conversation.
const Channel = "CHdemo"

// The page's three views. Each signs in as its person; the view, the first
// segment of the demo's own API paths (/api/customer/…) and the
// X-Webchat-View header on the library's (httpapi), picks which of the
// browser's sessions a request uses.
const (
	ViewCustomer   = "customer"
	ViewAgent      = "agent"
	ViewSupervisor = "supervisor"
)

// Person is one of the demo's three people.
type Person struct {
	// View is the page's view that speaks for the person.
	View string
	// Name is shown on the page.
	Name string
	// Member is the identity and side the library sees.
	Member attachments.Member
	// Role is the person's role when the demo starts. BlockMember keeps it
	// in the blocked role ("customer:blocked"), and UnblockMember gives it
	// back.
	Role attachments.Role
}

// Cast returns the demo's people: a customer, the agent who serves them, and
// a supervisor who monitors the conversation.
func Cast() []Person {
	return []Person{
		{View: ViewCustomer, Name: "Casey Morgan", Role: attachments.RoleCustomer,
			Member: attachments.Member{Identity: "casey"}},
		{View: ViewAgent, Name: "Alex Rivera", Role: attachments.RoleAgent,
			Member: attachments.Member{Identity: "alex"}},
		{View: ViewSupervisor, Name: "Sam Lee", Role: attachments.RoleSupervisor,
			Member: attachments.Member{Identity: "sam"}},
	}
}
