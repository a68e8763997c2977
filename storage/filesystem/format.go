package filesystem

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"os"
	"slices"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
)

// A blob file holds the blob's bytes, then its metadata, then a fixed footer:
//
//	data | trailer | footer
//	trailer: version (1 byte) | CRC-32C of data (4) | data size (8)
//	         | content type | file name | owner | channel | number of Extra pairs
//	         | key, value of each pair, in key order
//	footer:  trailer length (4) | CRC-32C of trailer (4) | magic (8)
//
// Integers are little endian; strings and the pair count are uvarint
// lengths followed by the bytes, so any bytes survive. Keeping data and
// metadata in one file, renamed into place whole, means a blob never exists
// without its metadata, and appending the metadata after the data lets a Put
// stream the data in one pass and still record its checksum.
const (
	formatVersion = 1
	footerLen     = 16
	magic         = "akblob\x00\x01"
	// maxTrailer bounds what a reader allocates for a trailer: MaxMetadataLen
	// of strings plus their lengths, with room to spare.
	maxTrailer = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// etag formats a blob's ETag: its CRC-32C, computed while it was written,
// and its size.
func etag(crc uint32, size int64) string { return fmt.Sprintf("%08x-%x", crc, size) }

// appendTrailer appends the trailer and footer of a blob of size bytes with
// checksum crc and metadata meta to b.
func appendTrailer(b []byte, crc uint32, size int64, meta storage.Metadata) []byte {
	start := len(b)
	b = append(b, formatVersion)
	b = binary.LittleEndian.AppendUint32(b, crc)
	b = binary.LittleEndian.AppendUint64(b, uint64(size))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(meta.ContentType)
	str(meta.FileName)
	str(meta.Owner)
	str(meta.Channel)
	b = binary.AppendUvarint(b, uint64(len(meta.Extra)))
	for _, k := range slices.Sorted(maps.Keys(meta.Extra)) {
		str(k)
		str(meta.Extra[k])
	}
	trailer := b[start:]
	b = binary.LittleEndian.AppendUint32(b, uint32(len(trailer)))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(trailer, castagnoli))
	return append(b, magic...)
}

// corrupt returns the error for a blob file that does not parse.
func corrupt(why string) error {
	return &errs.Error{Code: errs.Internal, Message: "a stored blob is corrupt", Err: fmt.Errorf("blob file: %s", why)}
}

// readInfo reads the info of the blob in f: its data size, ETag, modification
// time and, when withMeta, its metadata. Key is left to the caller.
func readInfo(f *os.File, withMeta bool) (storage.Info, error) {
	fi, err := f.Stat()
	if err != nil {
		return storage.Info{}, err
	}
	fileSize := fi.Size()
	if fileSize < footerLen {
		return storage.Info{}, corrupt("shorter than its footer")
	}
	var footer [footerLen]byte
	if _, err := f.ReadAt(footer[:], fileSize-footerLen); err != nil {
		return storage.Info{}, err
	}
	if string(footer[8:]) != magic {
		return storage.Info{}, corrupt("no magic")
	}
	tlen := int64(binary.LittleEndian.Uint32(footer[:4]))
	if tlen < 13 || tlen > maxTrailer || tlen > fileSize-footerLen {
		return storage.Info{}, corrupt("bad trailer length")
	}
	trailer := make([]byte, tlen)
	if _, err := f.ReadAt(trailer, fileSize-footerLen-tlen); err != nil {
		return storage.Info{}, err
	}
	if crc32.Checksum(trailer, castagnoli) != binary.LittleEndian.Uint32(footer[4:8]) {
		return storage.Info{}, corrupt("trailer checksum mismatch")
	}
	if trailer[0] != formatVersion {
		return storage.Info{}, corrupt(fmt.Sprintf("unknown version %d", trailer[0]))
	}
	crc := binary.LittleEndian.Uint32(trailer[1:5])
	size := int64(binary.LittleEndian.Uint64(trailer[5:13]))
	if size != fileSize-footerLen-tlen {
		return storage.Info{}, corrupt("size mismatch")
	}
	info := storage.Info{Size: size, ETag: etag(crc, size), ModTime: fi.ModTime()}
	if withMeta {
		if info.Metadata, err = parseMetadata(trailer[13:]); err != nil {
			return storage.Info{}, err
		}
	}
	return info, nil
}

// parseMetadata parses the metadata part of a trailer.
func parseMetadata(b []byte) (storage.Metadata, error) {
	r := bytes.NewReader(b)
	str := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return "", corrupt("bad metadata")
		}
		s := make([]byte, n)
		r.Read(s)
		return string(s), nil
	}
	var m storage.Metadata
	for _, p := range []*string{&m.ContentType, &m.FileName, &m.Owner, &m.Channel} {
		s, err := str()
		if err != nil {
			return m, err
		}
		*p = s
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return m, corrupt("bad metadata")
	}
	if n > 0 {
		m.Extra = make(map[string]string, n)
	}
	for range n {
		k, err := str()
		if err != nil {
			return m, err
		}
		v, err := str()
		if err != nil {
			return m, err
		}
		m.Extra[k] = v
	}
	if r.Len() != 0 {
		return m, corrupt("trailing bytes in metadata")
	}
	return m, nil
}
