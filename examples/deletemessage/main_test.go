package main

import (
	"context"
	"os"
)

func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// casey sent statement.pdf
	// the agent's link answers 200
	// casey deletes the agent's message: permission_denied
	// the agent deleted the message and 1 file: statement.pdf
	// messages left: 1; files stored: 0
	// the agent's link now answers 404
	// deleting it again: deleted=false, err=<nil>
}
