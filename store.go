package attachments

import (
	"context"
	"io"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/storage"
)

// Store is a host's own storage for media, for a host that keeps files
// where it already keeps them (Flex's recipe "upload to your own storage").
// Register it under a name in Options.Stores and name it in File.Store: the
// guard streams the validated file straight into it (one write), and
// DownloadMedia, DeleteMessage, EraseMember and listeners that re-read the
// file (File.Open, Client.OpenMedia) work on it as on the library's storage.
// Downloads go through the library's link server, with its headers.
//
// Files are keyed by their media SID: the store maps a SID to wherever it
// keeps the bytes. Every method must be safe for concurrent use.
//
// A Store is for files the host keeps its own way. To give the library a
// new backend for everything it stores (renditions and upload chunks too,
// listed and checked by Client.Check), write a storage.Driver instead and
// pass it as Options.Storage; see package storage.
type Store interface {
	// Put stores the bytes read from r under sid, whole or not at all: a Put
	// that fails leaves nothing the store would later Open.
	Put(ctx context.Context, sid string, r io.Reader, contentType string) error
	// Open opens the bytes stored under sid; a missing one is an
	// errs.NotFound error. The caller closes the reader.
	Open(ctx context.Context, sid string) (io.ReadCloser, error)
	// Delete deletes the bytes stored under sid. Deleting what is not there
	// is not an error.
	Delete(ctx context.Context, sid string) error
}

// urlStore is the ledger's Store name for media a message carries by a URL
// the host trusts (Flex's media attribute shape). The library never holds
// or fetches such bytes: Location is the URL.
const urlStore = "url"

// mediaRouter is the storage the link server and OpenMedia read through
// when a host registered stores: media/<SID> is read from the store the
// ledger says holds it; everything else is the library's bucket.
type mediaRouter struct {
	storage.Driver // the library's own
	ledger         ledger.Ledger
	stores         map[string]Store
}

// hostFile returns the store holding the media at key, or nil when the
// library's own storage holds it.
func (m *mediaRouter) hostFile(ctx context.Context, key string) (Store, ledger.Record, error) {
	sid, ok := strings.CutPrefix(key, mediaPrefix)
	if !ok || !isMediaSID(sid) {
		return nil, ledger.Record{}, nil
	}
	r, err := m.ledger.Get(ctx, sid)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && r.Store == "") {
		return nil, ledger.Record{}, nil
	}
	if err != nil {
		return nil, ledger.Record{}, err
	}
	s := m.stores[r.Store]
	if s == nil || r.State == ledger.Deleted {
		return nil, ledger.Record{}, &errs.Error{Code: errs.NotFound, Op: "get " + key}
	}
	return s, r, nil
}

func hostInfo(key string, r ledger.Record) storage.Info {
	return storage.Info{Key: key, Size: r.Size, ETag: r.SHA256, ModTime: r.Created,
		Metadata: storage.Metadata{ContentType: r.ContentType, FileName: r.FileName}}
}

// Stat implements storage.Driver.
func (m *mediaRouter) Stat(ctx context.Context, key string) (storage.Info, error) {
	s, r, err := m.hostFile(ctx, key)
	if s == nil || err != nil {
		if err != nil {
			return storage.Info{}, err
		}
		return m.Driver.Stat(ctx, key)
	}
	return hostInfo(key, r), nil
}

// Get implements storage.Driver. A host store streams from the start, so a
// range skips its first bytes.
func (m *mediaRouter) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, storage.Info, error) {
	s, r, err := m.hostFile(ctx, key)
	if s == nil || err != nil {
		if err != nil {
			return nil, storage.Info{}, err
		}
		return m.Driver.Get(ctx, key, offset, length)
	}
	if offset > r.Size {
		return nil, storage.Info{}, &errs.Error{Code: errs.InvalidRange, Op: "get " + key}
	}
	rc, err := s.Open(ctx, r.SID)
	if err != nil {
		return nil, storage.Info{}, err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil {
		rc.Close()
		return nil, storage.Info{}, &errs.Error{Code: errs.Unavailable, Op: "get " + key, Err: err}
	}
	if length < 0 || offset+length > r.Size {
		length = r.Size - offset
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, length), rc}, hostInfo(key, r), nil
}
