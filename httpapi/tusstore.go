package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// tusPrefix holds the tus uploads in the Client's storage:
//
//	tus/<id>/info                  the upload's record (JSON), written once at creation
//	tus/<id>/c<offset, 20 digits>  one chunk per PATCH: the bytes that arrived
//
// Blobs are immutable, with no append and no rename, so an upload is its
// chunks; its offset is where the run of chunks from 0 ends, and its
// content their concatenation, read lazily.
const tusPrefix = "tus/"

// tusRecord is an upload's record.
type tusRecord struct {
	ID       string            `json:"id"`
	Size     int64             `json:"size"`
	MetaData map[string]string `json:"metaData"`
	Owner    string            `json:"owner"`
	Channel  string            `json:"channel"`
	Created  time.Time         `json:"created"`
}

// tusStore is a tusd DataStore (with the termination extension) over a
// storage.Bucket. It serves only the member who created an upload: to
// anyone else an upload does not exist.
type tusStore struct {
	h      *Handler
	bucket *storage.Bucket
	now    func() time.Time
}

func infoKey(id string) string { return tusPrefix + id + "/info" }
func chunkKey(id string, offset int64) string {
	return fmt.Sprintf("%s%s/c%020d", tusPrefix, id, offset)
}

// validID reports whether id is one of ours: 32 lower-case hex digits.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// NewUpload implements tusd.DataStore.
func (s *tusStore) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	c := callFrom(ctx)
	if c == nil {
		return nil, tusError(&errs.Error{Code: errs.PermissionDenied})
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	rec := tusRecord{ID: hex.EncodeToString(b[:]), Size: info.Size, MetaData: info.MetaData,
		Owner: c.member.Identity, Channel: c.channel, Created: s.now().UTC()}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if _, err := s.bucket.Put(ctx, infoKey(rec.ID), bytes.NewReader(data), storage.Metadata{ContentType: "application/json"}); err != nil {
		return nil, tusError(err)
	}
	return &tusUpload{s: s, rec: rec}, nil
}

// errNoUpload answers for an upload that does not exist, or is another
// member's: the same JSON not_found as every other refusal.
func errNoUpload() error {
	return tusError(&errs.Error{Code: errs.NotFound, Message: "no such upload; start it again"})
}

// GetUpload implements tusd.DataStore. An upload of another member is not
// found.
func (s *tusStore) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	c := callFrom(ctx)
	if c == nil || !validID(id) {
		return nil, errNoUpload()
	}
	rec, err := s.record(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec.Owner != c.member.Identity {
		return nil, errNoUpload()
	}
	return &tusUpload{s: s, rec: rec}, nil
}

func (s *tusStore) record(ctx context.Context, id string) (tusRecord, error) {
	rc, _, err := s.bucket.Get(ctx, infoKey(id), nil)
	if errors.Is(err, errs.NotFound) {
		return tusRecord{}, errNoUpload()
	}
	if err != nil {
		return tusRecord{}, tusError(err)
	}
	defer rc.Close()
	var rec tusRecord
	if err := json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&rec); err != nil {
		return tusRecord{}, tusError(&errs.Error{Code: errs.Internal, Op: "tus " + id, Err: err})
	}
	return rec, nil
}

// AsTerminatableUpload implements tusd.TerminaterDataStore.
func (s *tusStore) AsTerminatableUpload(u tusd.Upload) tusd.TerminatableUpload { return u.(*tusUpload) }

// remove deletes an upload's chunks, then its record, so that a removal cut
// short leaves the record for a sweep to find.
func (s *tusStore) remove(ctx context.Context, id string) error {
	var errList []error
	for it, err := range s.bucket.List(ctx, tusPrefix+id+"/c") {
		if err != nil {
			return err
		}
		errList = append(errList, s.bucket.Delete(ctx, it.Key))
	}
	if err := errors.Join(errList...); err != nil {
		return err
	}
	return s.bucket.Delete(ctx, infoKey(id))
}

// chunk is one stored chunk.
type chunk struct {
	key    string
	offset int64
	size   int64
}

// chunks returns the run of chunks from offset 0, in order.
func (s *tusStore) chunks(ctx context.Context, id string) ([]chunk, error) {
	var out []chunk
	next := int64(0)
	prefix := tusPrefix + id + "/c"
	for it, err := range s.bucket.List(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		off, err := strconv.ParseInt(strings.TrimPrefix(it.Key, prefix), 10, 64)
		if err != nil || off != next {
			// Chunks are written only at the upload's offset, so a gap or
			// an overlap is not ours; the run ends before it.
			break
		}
		out = append(out, chunk{key: it.Key, offset: off, size: it.Size})
		next += it.Size
	}
	return out, nil
}

// tusUpload is one upload.
type tusUpload struct {
	s   *tusStore
	rec tusRecord
}

// WriteChunk implements tusd.Upload. It stores what arrives as one chunk;
// when the connection drops, the bytes that did arrive are kept, so the
// client resumes from there.
func (u *tusUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	done, err := u.s.h.startChunk(ctx, u.rec.Channel)
	if err != nil {
		return 0, tusError(err)
	}
	if c := callFrom(ctx); c != nil && c.r.ContentLength > 0 && offset+c.r.ContentLength == u.rec.Size {
		n, err := u.s.h.tus.finishStreaming(ctx, c, u, offset, src)
		done(n)
		return n, err
	}
	c := callFrom(ctx)
	var before int64
	if c != nil && c.body != nil {
		before = c.body.n.Load()
	}
	kr := &keepReader{r: src}
	_, err = u.s.putChunk(ctx, u.rec, offset, kr)
	done(kr.n)
	if err != nil {
		return 0, tusError(err)
	}
	if c != nil && c.body != nil && c.body.n.Load()-before > kr.n {
		// tusd cut a body longer than the upload (sent chunked, so no
		// Content-Length told before) at the upload's length, and would
		// finish the upload with its first bytes: refuse it whole.
		u.s.deleteChunk(context.WithoutCancel(ctx), u.rec.ID, offset)
		return 0, tusError(&errs.Error{Code: errs.FileTooLarge, Op: "tus " + u.rec.ID,
			Message: "this upload brings more bytes than it said it would", Details: errs.Details{Limit: u.rec.Size}})
	}
	if kr.n == 0 {
		u.s.deleteChunk(context.WithoutCancel(ctx), u.rec.ID, offset)
	}
	// The body's own error, if any, tusd reports itself.
	return kr.n, nil
}

// putChunk stores r as the chunk of rec at offset.
func (s *tusStore) putChunk(ctx context.Context, rec tusRecord, offset int64, r io.Reader) (storage.Info, error) {
	return s.bucket.Put(ctx, chunkKey(rec.ID, offset), r, storage.Metadata{ContentType: "application/octet-stream", Owner: rec.Owner})
}

// deleteChunk deletes a chunk that holds nothing worth keeping.
func (s *tusStore) deleteChunk(ctx context.Context, id string, offset int64) {
	_ = s.bucket.Delete(ctx, chunkKey(id, offset))
}

// keepReader ends the stream at the first error of its source, so that
// what arrived before a dropped connection is stored, not thrown away.
type keepReader struct {
	r io.Reader
	n int64
}

func (k *keepReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.n += int64(n)
	if err != nil && err != io.EOF {
		err = io.EOF
	}
	return n, err
}

// GetInfo implements tusd.Upload.
func (u *tusUpload) GetInfo(ctx context.Context) (tusd.FileInfo, error) {
	list, err := u.s.chunks(ctx, u.rec.ID)
	if err != nil {
		return tusd.FileInfo{}, tusError(err)
	}
	var offset int64
	if len(list) > 0 {
		last := list[len(list)-1]
		offset = last.offset + last.size
	}
	return tusd.FileInfo{ID: u.rec.ID, Size: u.rec.Size, Offset: offset, MetaData: u.rec.MetaData}, nil
}

// GetReader implements tusd.Upload: the chunks one after the other, each
// opened only when the one before it is read to its end.
func (u *tusUpload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	list, err := u.s.chunks(ctx, u.rec.ID)
	if err != nil {
		return nil, tusError(err)
	}
	return &chunkReader{ctx: ctx, bucket: u.s.bucket, chunks: list}, nil
}

// FinishUpload implements tusd.Upload. The work is done in the pre-finish
// hook, which can answer the client.
func (u *tusUpload) FinishUpload(context.Context) error { return nil }

// Terminate implements tusd.TerminatableUpload.
func (u *tusUpload) Terminate(ctx context.Context) error {
	if err := u.s.remove(ctx, u.rec.ID); err != nil {
		return tusError(err)
	}
	return nil
}

// chunkReader reads chunks in order, holding one open at a time.
type chunkReader struct {
	ctx    context.Context
	bucket *storage.Bucket
	chunks []chunk
	cur    io.ReadCloser
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.chunks) == 0 {
				return 0, io.EOF
			}
			rc, _, err := r.bucket.Get(r.ctx, r.chunks[0].key, nil)
			if err != nil {
				return 0, err
			}
			r.cur, r.chunks = rc, r.chunks[1:]
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.cur.Close()
			r.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

func (r *chunkReader) Close() error {
	if r.cur != nil {
		err := r.cur.Close()
		r.cur = nil
		return err
	}
	return nil
}
