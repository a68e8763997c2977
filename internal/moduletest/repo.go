// Package moduletest checks the repository's modules the way a host meets
// them: at a tagged version, through a module proxy, each bringing only its
// own dependencies. It serves the modules of a working tree as a file-based
// module proxy (BuildProxy), which its tests and scripts/tidy.sh use.
//
// It is test plumbing, in a module of its own, so that no library module
// carries golang.org/x/mod.
package moduletest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Prefix is the path every module of the repository starts with.
const Prefix = "github.com/attachkit/attachments"

// Module is one module of the repository.
type Module struct {
	// Path is the module path.
	Path string
	// Dir is its directory, slash-separated and relative to the repository
	// root: "." for the root module.
	Dir string
	// File is its parsed go.mod.
	File *modfile.File
}

// Library reports whether m is for hosts to require: not an example and
// not test plumbing under an internal directory.
func (m Module) Library() bool {
	for _, elem := range strings.Split(m.Dir, "/") {
		if elem == "internal" || elem == "examples" {
			return false
		}
	}
	return true
}

// Repo is the repository's modules.
type Repo struct {
	// Root is the repository's directory, the one holding go.work.
	Root string
	// Modules are every go.mod under Root, sorted by Dir.
	Modules []Module
}

// Open finds the repository around dir (the nearest directory above it
// holding go.work) and reads every go.mod under it, skipping what the go
// command skips: testdata and directories whose names start with . or _.
func Open(dir string) (*Repo, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return nil, fmt.Errorf("no go.work above %s", dir)
		}
		root = parent
	}
	r := &Repo{Root: root}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if d.IsDir() || name != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := modfile.Parse(path, data, nil)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		r.Modules = append(r.Modules, Module{Path: f.Module.Mod.Path, Dir: filepath.ToSlash(rel), File: f})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(r.Modules, func(i, j int) bool { return r.Modules[i].Dir < r.Modules[j].Dir })
	return r, nil
}

// Module returns the module with the given path.
func (r *Repo) Module(path string) (Module, bool) {
	for _, m := range r.Modules {
		if m.Path == path {
			return m, true
		}
	}
	return Module{}, false
}

// Version returns the one version at which the modules require each other.
// It fails when two requirements disagree, when one names a pseudo-version
// or a module the repository does not hold, or when none is found.
func (r *Repo) Version() (string, error) {
	version := ""
	var problems []error
	for _, m := range r.Modules {
		for _, req := range m.File.Require {
			if !Ours(req.Mod.Path) {
				continue
			}
			if _, ok := r.Module(req.Mod.Path); !ok {
				problems = append(problems, fmt.Errorf("%s requires %s, which is not a module of the repository", m.Dir, req.Mod.Path))
			}
			switch {
			case !Tagged(req.Mod.Version):
				problems = append(problems, fmt.Errorf("%s requires %s at %s, not a tagged version", m.Dir, req.Mod.Path, req.Mod.Version))
			case version == "":
				version = req.Mod.Version
			case req.Mod.Version != version:
				problems = append(problems, fmt.Errorf("%s requires %s at %s, the others at %s", m.Dir, req.Mod.Path, req.Mod.Version, version))
			}
		}
	}
	if version == "" && len(problems) == 0 {
		problems = append(problems, errors.New("no module requires another"))
	}
	return version, errors.Join(problems...)
}

// Tagged reports whether v is a version a release tags: canonical semver,
// not a pseudo-version and not v0.0.0.
func Tagged(v string) bool {
	return semver.IsValid(v) && semver.Canonical(v) == v && !module.IsPseudoVersion(v) && v != "v0.0.0"
}

// Ours reports whether path is a module path of the repository.
func Ours(path string) bool {
	return path == Prefix || strings.HasPrefix(path, Prefix+"/")
}
