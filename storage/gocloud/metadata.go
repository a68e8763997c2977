package gocloud

import (
	"cmp"
	"encoding/base64"
	"maps"
	"mime"
	"net/url"
	"strings"

	"gocloud.dev/blob"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// The object metadata keys a blob's Metadata is stored under. gocloud
// lower-cases keys (S3 does too), as storage.Bucket requires Extra's keys to
// be; Extra's keys get a prefix so that they never collide with ours.
const (
	metaType     = "content-type"
	metaFileName = "filename"
	metaOwner    = "owner"
	metaChannel  = "channel"
	metaExtra    = "x-"
)

// base64Mark starts a metadata value stored in base64 (see encodeValue).
const base64Mark = "~b64~"

// writerOptions returns the options a Put writes meta with.
//
// The content type becomes the object's Content-Type, so that the backend
// serves it too (application/octet-stream when it is empty), and is kept as
// given in the metadata as well, since backends normalise or default the
// header.
func (d *driver) writerOptions(meta storage.Metadata) (*blob.WriterOptions, error) {
	o := &blob.WriterOptions{
		BufferSize:     d.partSize,
		MaxConcurrency: d.concurrency,
		ContentType:    cmp.Or(meta.ContentType, "application/octet-stream"),
		Metadata:       make(map[string]string, 4+len(meta.Extra)),
	}
	if _, _, err := mime.ParseMediaType(o.ContentType); err != nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Message: "invalid content type", Err: err}
	}
	o.Metadata[metaType] = encodeValue(meta.ContentType)
	for k, v := range map[string]string{metaFileName: meta.FileName, metaOwner: meta.Owner, metaChannel: meta.Channel} {
		if v != "" {
			o.Metadata[k] = encodeValue(v)
		}
	}
	for k, v := range meta.Extra {
		o.Metadata[metaExtra+k] = encodeValue(v)
	}
	return o, nil
}

// encodeValue returns v as it is stored. gocloud URL-escapes values for S3,
// whose headers carry only ASCII, which triples non-ASCII text; S3 caps
// metadata at 2 KiB. So a value that escaping would grow beyond base64 is
// stored in base64 (URL alphabet, which escaping leaves alone) after
// base64Mark: storage.MaxMetadataLen bytes of any text then always fit.
func encodeValue(v string) string {
	if !strings.HasPrefix(v, base64Mark) && len(url.PathEscape(v)) <= len(base64Mark)+base64.RawURLEncoding.EncodedLen(len(v)) {
		return v
	}
	return base64Mark + base64.RawURLEncoding.EncodeToString([]byte(v))
}

// decodeValue reverses encodeValue.
func decodeValue(v string) string {
	if rest, ok := strings.CutPrefix(v, base64Mark); ok {
		if b, err := base64.RawURLEncoding.DecodeString(rest); err == nil {
			return string(b)
		}
	}
	return v
}

// decodeMetadata returns the Metadata stored as an object's content type and
// metadata. Keys it does not know are ignored.
func decodeMetadata(contentType string, md map[string]string) storage.Metadata {
	if t, ok := md[metaType]; ok {
		contentType = decodeValue(t)
	}
	m := storage.Metadata{
		ContentType: contentType,
		FileName:    decodeValue(md[metaFileName]),
		Owner:       decodeValue(md[metaOwner]),
		Channel:     decodeValue(md[metaChannel]),
	}
	for k, v := range md {
		if name, ok := strings.CutPrefix(k, metaExtra); ok {
			if m.Extra == nil {
				m.Extra = make(map[string]string)
			}
			m.Extra[name] = decodeValue(v)
		}
	}
	return m
}

// cloneMetadata returns a copy of m that shares nothing with it.
func cloneMetadata(m storage.Metadata) storage.Metadata {
	m.Extra = maps.Clone(m.Extra)
	return m
}
