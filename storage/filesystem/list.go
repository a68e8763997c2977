package filesystem

import (
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// List implements storage.Driver. The page token is the last key of the
// previous page.
//
// It walks the key trie depth first, one directory at a time, in hex order,
// which is key order: it holds the names of the directories on its current
// path, never the whole tree, and skips the subtrees that lie before the
// token or outside the prefix.
func (d *driver) List(ctx context.Context, prefix, token string, pageSize int) (storage.Page, error) {
	l := &lister{d: d, ctx: ctx, prefix: hexKey(prefix), after: hexKey(token), size: pageSize}
	err := l.scan(blobsDir, "", nil)
	p := storage.Page{Items: l.items}
	if errors.Is(err, errPageFull) {
		p.Next = p.Items[len(p.Items)-1].Key
	} else if err != nil {
		return storage.Page{}, err
	}
	return p, nil
}

// errPageFull stops a scan when a page is full and one more key exists.
var errPageFull = errors.New("page full")

// lister is the state of one List call.
type lister struct {
	d             *driver
	ctx           context.Context
	prefix, after string // hex
	size          int
	items         []storage.Info
}

// entry is a blob file met during a scan.
type entry struct {
	rest string // the hex of its key after the directory being scanned
	path string // the file, relative to the root
}

// scan lists the keys under dir, the trie directory of the keys whose hex
// starts with base, in order. extras are the blob files of shallower
// directories whose keys belong under dir: files written before a level
// filled up, which the merge puts in their place in key order.
func (l *lister) scan(dir, base string, extras []entry) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	names, err := l.d.readNames(dir)
	if err != nil {
		return err
	}
	files := extras
	var subs []string
	for _, name := range names {
		if isChunk(name) {
			subs = append(subs, name)
		} else if rest, ok := fileRest(name); ok {
			files = append(files, entry{rest, dir + "/" + name})
		}
	}
	// Sort stably, extras before this directory's own files, and keep the
	// last of each key: a deeper file is the newer copy.
	slices.SortStableFunc(files, func(a, b entry) int { return strings.Compare(a.rest, b.rest) })
	files = dedupe(files)
	slices.Sort(subs)

	i := 0
	for _, sub := range subs {
		// Keys that end before or at the subdirectory's chunk come first.
		for ; i < len(files) && files[i].rest <= sub; i++ {
			if err := l.emit(base, files[i]); err != nil {
				return err
			}
		}
		j := i
		for j < len(files) && strings.HasPrefix(files[j].rest, sub) {
			j++
		}
		if l.wants(base + sub) {
			down := make([]entry, j-i)
			for k, e := range files[i:j] {
				down[k] = entry{e.rest[chunkHex:], e.path}
			}
			if err := l.scan(dir+"/"+sub, base+sub, down); err != nil {
				return err
			}
		}
		i = j
	}
	for ; i < len(files); i++ {
		if err := l.emit(base, files[i]); err != nil {
			return err
		}
	}
	return nil
}

// dedupe keeps the last of each run of entries with the same rest.
func dedupe(files []entry) []entry {
	out := files[:0]
	for i, e := range files {
		if i+1 < len(files) && files[i+1].rest == e.rest {
			continue
		}
		out = append(out, e)
	}
	return out
}

// wants reports whether the subtree of keys whose hex starts with p, and is
// longer, may hold keys of the page: inside the prefix and after the token.
func (l *lister) wants(p string) bool {
	if !strings.HasPrefix(p, l.prefix) && !strings.HasPrefix(l.prefix, p) {
		return false
	}
	return p >= l.after || strings.HasPrefix(l.after, p)
}

// emit adds the blob of e, under base, to the page if it belongs there.
func (l *lister) emit(base string, e entry) error {
	hk := base + e.rest
	if !strings.HasPrefix(hk, l.prefix) || hk <= l.after {
		return nil
	}
	if len(l.items) == l.size {
		return errPageFull
	}
	key, err := hex.DecodeString(hk)
	if err != nil {
		return err // cannot happen: names are checked to be hex
	}
	f, err := l.d.root.Open(e.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // deleted since the directory was read
	}
	if err != nil {
		return err
	}
	info, err := readInfo(f, false)
	f.Close()
	if e := errs.As(err); e != nil {
		e.Op = "list " + string(key) // name the corrupt blob
	}
	if err != nil {
		return err
	}
	info.Key = string(key)
	l.items = append(l.items, info)
	return nil
}

// readNames returns the names in dir, in no order.
func (d *driver) readNames(dir string) ([]string, error) {
	f, err := d.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
