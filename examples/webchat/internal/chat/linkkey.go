package chat

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/attachkit/attachments/links"
)

// loadLinkKey reads the key that signs download links from path, or makes a
// new random one there (readable by its owner only) when there is none. A
// key that outlives the process keeps links working across a restart; a
// production host would take it from its secret manager instead, and keep
// retired keys in links.SignerOptions.Previous while links they signed are
// still alive.
func loadLinkKey(path string) (links.Key, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		var k links.Key
		if err := json.Unmarshal(data, &k); err != nil {
			return links.Key{}, fmt.Errorf("link key %s: %w", path, err)
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return links.Key{}, fmt.Errorf("link key: %w", err)
	}
	k := links.Key{ID: "webchat-" + time.Now().UTC().Format("20060102"), Secret: make([]byte, 32)}
	_, _ = rand.Read(k.Secret) // never fails
	data, err = json.Marshal(k)
	if err != nil {
		return links.Key{}, err
	}
	if err := writeSecret(path, data); err != nil {
		return links.Key{}, fmt.Errorf("link key: %w", err)
	}
	return k, nil
}
