package filesystem

import (
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// The layout of blobs on disk.
//
// A key is hex-encoded (lower case), so that no key, however hostile, can
// name anything but a run of [0-9a-f] characters: no "..", no separator, no
// NUL, no case or Unicode normalisation for the file system to fold.
// Hex keeps the keys' byte order, which is what lets List page through the
// tree in key order.
//
// The blobs directory is a trie over the hex key, in levels of chunkHex
// digits (2 key bytes): the blob of a key whose hex is c1 c2 … cn r lives in
// blobs/c1/c2/…/cn/r.blob. A key does not go as deep as it could: it stops at
// the first level that has no subdirectory for its next chunk, unless that
// level is full (it holds dirLimit entries) or the rest of the key is too
// long for a file name, and then the subdirectory is made. So a directory
// holds at most dirLimit files (plus a few hundred racing in before it is
// found full, and the short keys that end at it), and at most 65,536
// subdirectories, whatever the keys: a shared prefix such as "media/CH1/"
// costs one directory per two bytes only once many keys share it, and a
// lone key costs no directories at all.
//
// Files are never moved. A file that was written before its level filled
// stays where it is, and a later write of the same key goes deeper and
// removes it, so lookups try the deepest level first. A file name holds at
// most maxFileHex digits; a longer key always goes deep enough to fit.
// Directories are never removed: one exists only because a level filled,
// and Puts to come will use it again.
const (
	chunkHex   = 4
	maxFileHex = 240
	fileExt    = ".blob"
	blobsDir   = "blobs"
	tmpDir     = "tmp"
)

// spot is where a key's blob file may be: a directory relative to the root
// and a file name in it.
type spot struct {
	dir, name string
}

func (s spot) path() string { return s.dir + "/" + s.name }

// hexKey encodes a key for the layout.
func hexKey(key string) string { return hex.EncodeToString([]byte(key)) }

// isChunk reports whether a directory entry's name is a trie level.
func isChunk(name string) bool { return len(name) == chunkHex && isHex(name) }

// fileRest returns the hex rest of the key a blob file's name holds.
func fileRest(name string) (string, bool) {
	rest, ok := strings.CutSuffix(name, fileExt)
	return rest, ok && rest != "" && len(rest)%2 == 0 && len(rest) <= maxFileHex && isHex(rest)
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}

// walk descends the trie along hk for as long as its directories exist, and
// returns every spot on the way where hk's blob may be, deepest first. When
// deeper is set, walk also makes the directories a new blob needs: where
// the rest of the key is too long for a file name, or where deeper reports
// that a level is full; it returns the directories it made.
func (d *driver) walk(hk string, deeper func(dir string) bool) (spots []spot, made []string, err error) {
	dir, rest := blobsDir, hk
	cur, err := d.root.OpenRoot(blobsDir)
	if err != nil {
		return nil, nil, err
	}
	defer func() { cur.Close() }()
	for {
		if len(rest) <= maxFileHex {
			spots = append(spots, spot{dir, rest + fileExt})
		}
		if len(rest) <= chunkHex {
			break
		}
		chunk := rest[:chunkHex]
		sub, err := cur.OpenRoot(chunk)
		if errors.Is(err, fs.ErrNotExist) && deeper != nil && (len(rest) > maxFileHex || deeper(dir)) {
			if err = cur.Mkdir(chunk, 0o700); err == nil {
				made = append(made, dir+"/"+chunk)
			}
			if err == nil || errors.Is(err, fs.ErrExist) {
				sub, err = cur.OpenRoot(chunk)
			}
		}
		if errors.Is(err, fs.ErrNotExist) && len(rest) <= maxFileHex {
			break
		}
		if err != nil {
			return nil, made, err
		}
		cur.Close()
		cur, dir, rest = sub, dir+"/"+chunk, rest[chunkHex:]
	}
	for i, j := 0, len(spots)-1; i < j; i, j = i+1, j-1 {
		spots[i], spots[j] = spots[j], spots[i]
	}
	return spots, made, nil
}

// open opens the blob file of hk at the deepest spot that has one.
func (d *driver) open(hk string) (*os.File, error) {
	spots, _, err := d.walk(hk, nil)
	if err != nil {
		return nil, err
	}
	for _, s := range spots {
		f, err := d.root.Open(s.path())
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return nil, fs.ErrNotExist
}

// countEntries counts the entries of dir, stopping at limit.
func (d *driver) countEntries(dir string, limit int) (int, error) {
	f, err := d.root.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for n < limit {
		names, err := f.Readdirnames(1024)
		n += len(names)
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// syncDir makes dir's entries durable.
func (d *driver) syncDir(dir string) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// parent returns the directory that holds dir.
func parent(dir string) string { return path.Dir(dir) }
