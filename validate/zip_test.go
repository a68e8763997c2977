package validate_test

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/attachkit/attachments/validate"
)

type zipEntry struct {
	name       string
	content    []byte
	stored     bool // no compression, as a mimetype entry or a JPEG is stored
	descriptor bool // sizes in a data descriptor after the data, not in the header
}

// makeZip returns a zip archive of the entries, in order.
func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		var f io.Writer
		var err error
		switch {
		case e.stored && !e.descriptor:
			f, err = w.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(e.content),
				CompressedSize64: uint64(len(e.content)), UncompressedSize64: uint64(len(e.content))})
		case e.stored:
			f, err = w.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		default:
			f, err = w.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(e.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func noise(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestZipFamilies checks that documents built on zip are told apart from
// plain archives and from each other, whatever the order of their entries.
func TestZipFamilies(t *testing.T) {
	xml := []byte(`<?xml version="1.0"?><x/>`)
	const docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	policy := validate.Policy{Enabled: true, AcceptedExtensions: []string{"docx", "xlsx", "odt", "ods", "epub", "zip", "apk"}, AllowDangerous: true}
	tests := []struct {
		why     string
		name    string
		entries []zipEntry
		want    string
		refused bool
	}{
		{"LibreOffice order: content types last", "a.docx", []zipEntry{
			{name: "_rels/.rels", content: xml}, {name: "docProps/app.xml", content: xml},
			{name: "word/document.xml", content: xml}, {name: "[Content_Types].xml", content: xml}}, docx, false},
		{"parts past the header: the extension refines", "a.docx", []zipEntry{
			{name: "[Content_Types].xml", content: xml}, {name: "docProps/thumbnail.jpeg", content: noise(20_000), stored: true},
			{name: "word/document.xml", content: xml}}, docx, false},
		{"parts past the header, named as a sheet", "a.xlsx", []zipEntry{
			{name: "[Content_Types].xml", content: xml}, {name: "docProps/thumbnail.jpeg", content: noise(20_000), stored: true},
			{name: "word/document.xml", content: xml}}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false},
		{"a word folder alone is not a document", "a.docx", []zipEntry{
			{name: "word/notes.txt", content: xml}}, "application/zip", true},
		{"OpenDocument text", "a.odt", []zipEntry{
			{name: "mimetype", content: []byte("application/vnd.oasis.opendocument.text"), stored: true},
			{name: "content.xml", content: xml}}, "application/vnd.oasis.opendocument.text", false},
		{"OpenDocument text with a data descriptor", "a.odt", []zipEntry{
			{name: "mimetype", content: []byte("application/vnd.oasis.opendocument.text"), stored: true, descriptor: true},
			{name: "content.xml", content: xml}}, "application/vnd.oasis.opendocument.text", false},
		{"OpenDocument template is not text", "a.odt", []zipEntry{
			{name: "mimetype", content: []byte("application/vnd.oasis.opendocument.text-template"), stored: true},
			{name: "content.xml", content: xml}}, "application/zip", true},
		{"OpenDocument sheet named as text", "a.odt", []zipEntry{
			{name: "mimetype", content: []byte("application/vnd.oasis.opendocument.spreadsheet"), stored: true},
			{name: "content.xml", content: xml}}, "application/vnd.oasis.opendocument.spreadsheet", true},
		{"EPUB", "a.epub", []zipEntry{
			{name: "mimetype", content: []byte("application/epub+zip"), stored: true},
			{name: "META-INF/container.xml", content: xml}}, "application/epub+zip", false},
		{"Android package named zip", "a.zip", []zipEntry{
			{name: "AndroidManifest.xml", content: xml}, {name: "classes.dex", content: []byte("dex\n035\x00")}},
			"application/vnd.android.package-archive", true},
		{"Android package", "a.apk", []zipEntry{
			{name: "META-INF/MANIFEST.MF", content: xml}, {name: "AndroidManifest.xml", content: xml}},
			"application/vnd.android.package-archive", false},
	}
	for _, tt := range tests {
		t.Run(tt.why, func(t *testing.T) {
			content := makeZip(t, tt.entries...)
			v, got, err := check(policy, tt.name, "", -1, content)
			if v.ContentType != tt.want {
				t.Errorf("ContentType = %q, want %q", v.ContentType, tt.want)
			}
			if (err != nil) != tt.refused {
				t.Fatalf("Check(%q) = %v, want refused %v", tt.name, err, tt.refused)
			}
			if err == nil && !bytes.Equal(got, content) {
				t.Errorf("stream yielded %d bytes, want %d", len(got), len(content))
			}
		})
	}
}
