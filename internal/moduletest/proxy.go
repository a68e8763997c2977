package moduletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// BuildProxy writes into dir a file-based module proxy (GOPROXY=file://dir)
// that serves every module of r at version, zipped from the working tree as
// git sees it: tracked and untracked files, not ignored or deleted ones, so
// what it serves is what a commit of the tree would tag. The go command's
// own rules decide what a module's zip holds (no nested module, no vendor
// directory); a file they refuse fails the build, as it would fail a real
// proxy.
func (r *Repo) BuildProxy(dir, version string) error {
	files, err := r.files()
	if err != nil {
		return err
	}
	now, err := json.Marshal(struct{ Version, Time string }{version, time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	for _, m := range r.Modules {
		escaped, err := module.EscapePath(m.Path)
		if err != nil {
			return err
		}
		v := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
		if err := os.MkdirAll(v, 0o755); err != nil {
			return err
		}
		mod, err := os.ReadFile(filepath.Join(r.Root, filepath.FromSlash(m.Dir), "go.mod"))
		if err != nil {
			return err
		}
		var zipped bytes.Buffer
		if err := zip.Create(&zipped, module.Version{Path: m.Path, Version: version}, r.moduleFiles(m, files)); err != nil {
			return fmt.Errorf("zip %s: %w", m.Path, err)
		}
		for name, data := range map[string][]byte{
			"list":            []byte(version + "\n"),
			version + ".info": now,
			version + ".mod":  mod,
			version + ".zip":  zipped.Bytes(),
		} {
			if err := os.WriteFile(filepath.Join(v, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// files lists the working tree's files as git sees them, slash-separated
// and relative to the root.
func (r *Repo) files() ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = r.Root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(r.Root, filepath.FromSlash(f))); err != nil {
			continue // deleted in the working tree
		}
		files = append(files, f)
	}
	return files, nil
}

// moduleFiles returns the files under m's directory, for zip.Create.
func (r *Repo) moduleFiles(m Module, files []string) []zip.File {
	var out []zip.File
	for _, f := range files {
		rel := f
		if m.Dir != "." {
			var ok bool
			if rel, ok = strings.CutPrefix(f, m.Dir+"/"); !ok {
				continue
			}
		}
		out = append(out, treeFile{path: rel, abs: filepath.Join(r.Root, filepath.FromSlash(f))})
	}
	return out
}

// treeFile is a file of the working tree, as zip.Create reads it.
type treeFile struct{ path, abs string }

func (f treeFile) Path() string                 { return path.Clean(f.path) }
func (f treeFile) Lstat() (os.FileInfo, error)  { return os.Lstat(f.abs) }
func (f treeFile) Open() (io.ReadCloser, error) { return os.Open(f.abs) }
