//go:build unix

package filesystem

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// errLocked is lockDir's error when another holder has the lock.
var errLocked = errors.New("locked by another bucket")

// lockDir takes an exclusive lock on root's lock file, and returns what
// releases it. The lock is flock(2)'s: it is held per open file, so a second
// Open in the same process is refused too, and the kernel drops it when the
// process dies.
func lockDir(root *os.Root) (io.Closer, error) {
	f, err := root.OpenFile("lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}
