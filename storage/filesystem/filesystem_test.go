package filesystem_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
	"github.com/attachkit/attachments/storage/storagetest"
)

// open opens a bucket in a new directory and returns it with the directory.
func open(tb testing.TB, opts *filesystem.Options) (*storage.Bucket, string) {
	tb.Helper()
	dir := tb.TempDir()
	b, err := filesystem.Open(dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return b, dir
}

// harness runs the suite on buckets opened with opts, and counts every file
// in the temporary directory as residue.
func harness(opts *filesystem.Options) storagetest.Harness {
	dirs := map[*storage.Bucket]string{}
	return storagetest.Harness{
		New: func(t testing.TB) *storage.Bucket {
			b, dir := open(t, opts)
			dirs[b] = dir
			return b
		},
		Residue: func(t testing.TB, b *storage.Bucket) []string {
			names, err := os.ReadDir(filepath.Join(dirs[b], "tmp"))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range names {
				out = append(out, n.Name())
			}
			return out
		},
	}
}

func TestConformance(t *testing.T) {
	storagetest.RunConformanceTests(t, harness(nil))
}

// With two entries a directory, nearly every key goes through the deep,
// split layout, and through files left at shallower levels.
func TestConformanceTinyDirectories(t *testing.T) {
	storagetest.RunConformanceTests(t, harness(&filesystem.Options{MaxDirEntries: 2, NoSync: true}))
}

func BenchmarkFilesystem(b *testing.B) {
	storagetest.RunBenchmarks(b, harness(nil))
}

// hostileKeys are valid keys that would escape or confuse a driver that
// used them as paths.
var hostileKeys = []string{
	"..\\..\\windows\\win.ini",
	"....//....//etc/passwd",
	"...",
	"..a/b..",
	"%2e%2e/%2e%2e/etc",
	"\u2025/\u2024",
	"C:\\Windows\\System32",
	"C:/x",
	"con", "NUL", "aux.txt", "COM1",
	"tmp/put-0", "blobs/6d65.blob", "lock", "6d65",
	"~/.ssh/id_rsa",
	"$HOME/x",
	"a\\b/c",
	strings.Repeat("..\\", 300),
}

// FuzzKeysStayInside: whatever the key, its blob lands under the
// directory's blobs tree, in files and directories named only by hex, and
// reads back.
func FuzzKeysStayInside(f *testing.F) {
	for _, k := range hostileKeys {
		f.Add(k)
	}
	outside := f.TempDir()
	f.Fuzz(func(t *testing.T, key string) {
		if storage.CheckKey(key) != nil {
			return
		}
		parent := t.TempDir()
		dir := filepath.Join(parent, "store")
		b, err := filesystem.Open(dir, &filesystem.Options{CreateDir: true, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, err := b.Put(t.Context(), key, strings.NewReader(key), storage.Metadata{}); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		if got, err := readBlob(t, b, key); err != nil || string(got) != key {
			t.Fatalf("Get(%q): got %q, %v", key, got, err)
		}
		// Nothing but the store in its parent, nothing in the other directory.
		for _, d := range []string{parent, outside} {
			entries, _ := os.ReadDir(d)
			for _, e := range entries {
				if d == outside || e.Name() != "store" {
					t.Errorf("Put(%q) wrote %s outside the store", key, filepath.Join(d, e.Name()))
				}
			}
		}
		filepath.WalkDir(filepath.Join(dir, "blobs"), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(d.Name(), ".blob")
			if path != filepath.Join(dir, "blobs") && strings.Trim(name, "0123456789abcdef") != "" {
				t.Errorf("Put(%q) made %s, whose name is not hex", key, path)
			}
			if d.Type()&fs.ModeSymlink != 0 {
				t.Errorf("Put(%q) made a symbolic link %s", key, path)
			}
			return nil
		})
	})
}

// A symbolic link planted inside the directory does not lead a Put or a Get
// out of it.
func TestSymlinkInsideDoesNotEscape(t *testing.T) {
	b, dir := open(t, nil)
	defer b.Close()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	os.WriteFile(secret, []byte("secret"), 0o600)
	// "media/x" is hex 6d656469612f78: its first level would be blobs/6d65.
	if err := os.Symlink(outside, filepath.Join(dir, "blobs", "6d65")); err != nil {
		t.Fatal(err)
	}
	// So would a blob file linked to the secret.
	if err := os.Symlink(secret, filepath.Join(dir, "blobs", "6d656469612f79.blob")); err != nil {
		t.Fatal(err)
	}
	_, err := b.Put(t.Context(), "media/x", strings.NewReader("data"), storage.Metadata{})
	if err == nil {
		t.Error("Put through a planted link: got no error")
	}
	if _, err := readBlob(t, b, "media/y"); err == nil {
		t.Error("Get through a planted link: got no error")
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("the directory the link points to holds %d entries, want only its secret", len(entries))
	}
}

// Temporary files a crash left are removed by the next Open and are never
// blobs in the meantime.
func TestOpenRemovesCrashResidue(t *testing.T) {
	b, dir := open(t, nil)
	if _, err := b.Put(t.Context(), "kept", strings.NewReader("kept"), storage.Metadata{}); err != nil {
		t.Fatal(err)
	}
	// What a Put killed mid-way leaves: a temporary file, whole or not.
	for _, name := range []string{"put-0123456789abcdef01234567", "put-deadbeef"} {
		if err := os.WriteFile(filepath.Join(dir, "tmp", name), []byte("half a blob"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if keys := listKeys(t, b); !slices.Equal(keys, []string{"kept"}) {
		t.Errorf("List with residue present: got %q, want [kept]", keys)
	}
	b.Close()

	b, err := filesystem.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
		t.Errorf("tmp after Open: got %d entries, want none", len(entries))
	}
	if got, err := readBlob(t, b, "kept"); err != nil || string(got) != "kept" {
		t.Errorf("Get(kept) after reopening: got %q, %v", got, err)
	}
}

func listKeys(t *testing.T, b *storage.Bucket) []string {
	t.Helper()
	var keys []string
	for info, err := range b.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	return keys
}

// Blob files are readable by their owner only, whatever the umask.
func TestPermissions(t *testing.T) {
	b, dir := open(t, &filesystem.Options{MaxDirEntries: 1})
	defer b.Close()
	for _, k := range []string{"media/one", "media/two", "media/three"} {
		if _, err := b.Put(t.Context(), k, strings.NewReader(k), storage.Metadata{}); err != nil {
			t.Fatal(err)
		}
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: got mode %v, want %v", path, got, want)
		}
		return nil
	})
}

// A directory belongs to one bucket at a time.
func TestOpenLocksTheDirectory(t *testing.T) {
	b, dir := open(t, nil)
	_, err := filesystem.Open(dir, nil)
	if errs.CodeOf(err) != errs.Unavailable {
		t.Errorf("a second Open: got %v, want %s", err, errs.Unavailable)
	}
	b.Close()
	b2, err := filesystem.Open(dir, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	b2.Close()
}

func TestOpenMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	if _, err := filesystem.Open(dir, nil); errs.CodeOf(err) != errs.InvalidConfig {
		t.Errorf("Open(missing): got %v, want %s", err, errs.InvalidConfig)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("Open(missing) made the directory without CreateDir")
	}
	b, err := filesystem.Open(dir, &filesystem.Options{CreateDir: true})
	if err != nil {
		t.Fatalf("Open with CreateDir: %v", err)
	}
	b.Close()
}

// A blob file changed behind the driver's back is reported, not served.
func TestCorruptBlob(t *testing.T) {
	b, dir := open(t, nil)
	defer b.Close()
	if _, err := b.Put(t.Context(), "k", strings.NewReader("some bytes"), storage.Metadata{FileName: "f"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "blobs", "6b.blob") // "k" is hex 6b
	for _, damage := range []func() error{
		func() error { return os.Truncate(file, 20) },
		func() error { return os.WriteFile(file, []byte("not a blob at all, just bytes"), 0o600) },
		func() error { return os.WriteFile(file, nil, 0o600) },
	} {
		if err := damage(); err != nil {
			t.Fatal(err)
		}
		if _, err := readBlob(t, b, "k"); errs.CodeOf(err) != errs.Internal {
			t.Errorf("Get of a damaged blob: got %v, want %s", err, errs.Internal)
		}
		_, err := b.ListPage(t.Context(), "", "", 10)
		if errs.CodeOf(err) != errs.Internal || !strings.Contains(err.Error(), "list k") {
			t.Errorf("List over a damaged blob: got %v, want %s naming the key", err, errs.Internal)
		}
	}
}
