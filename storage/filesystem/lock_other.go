//go:build !unix

package filesystem

import (
	"errors"
	"io"
	"os"
)

// errLocked is lockDir's error when another holder has the lock.
var errLocked = errors.New("locked by another bucket")

// lockDir does not lock where flock(2) does not exist: there, keeping a
// directory to one Bucket is the caller's duty.
func lockDir(*os.Root) (io.Closer, error) { return io.NopCloser(nil), nil }
