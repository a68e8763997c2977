package moduletest

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// Order returns the modules so that each comes after every module of the
// repository it requires: the order in which a release tags them.
func (r *Repo) Order() ([]Module, error) {
	var out []Module
	done := map[string]bool{}
	visiting := map[string]bool{}
	var visit func(m Module) error
	visit = func(m Module) error {
		if done[m.Path] {
			return nil
		}
		if visiting[m.Path] {
			return fmt.Errorf("modules require each other in a cycle through %s", m.Path)
		}
		visiting[m.Path] = true
		for _, req := range m.File.Require {
			if dep, ok := r.Module(req.Mod.Path); ok {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		done[m.Path] = true
		out = append(out, m)
		return nil
	}
	for _, m := range r.Modules {
		if err := visit(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Tag returns the git tag that names m at version: version for the root
// module, "<dir>/<version>" for a nested one, as the go command expects.
func (m Module) Tag(version string) string {
	if m.Dir == "." {
		return version
	}
	return m.Dir + "/" + version
}

// Require sets every requirement between the modules to version, in their
// go.mod files, and rewrites go.work to use every module and to replace
// each one at version with its directory. go.work's replacements are what
// let the workspace build before version is tagged: a workspace module
// stands in for its own code, but the go command still reads the go.mod
// of each version required of it.
func (r *Repo) Require(version string) error {
	if !Tagged(version) {
		return fmt.Errorf("%q is not a release version (vX.Y.Z)", version)
	}
	if m := semver.Major(version); m != "v0" && m != "v1" {
		return fmt.Errorf("%s needs module paths ending in /%s, not only a tag", version, m)
	}
	for _, m := range r.Modules {
		for _, req := range m.File.Require {
			if Ours(req.Mod.Path) {
				if err := m.File.AddRequire(req.Mod.Path, version); err != nil {
					return err
				}
			}
		}
		m.File.Cleanup()
		data, err := m.File.Format()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(r.Root, filepath.FromSlash(m.Dir), "go.mod"), data, 0o644); err != nil {
			return err
		}
	}
	path := filepath.Join(r.Root, "go.work")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	w, err := modfile.ParseWork(path, data, nil)
	if err != nil {
		return err
	}
	for _, rep := range w.Replace {
		if Ours(rep.Old.Path) {
			if err := w.DropReplace(rep.Old.Path, rep.Old.Version); err != nil {
				return err
			}
		}
	}
	for _, m := range r.Modules {
		dir := WorkDir(m)
		if err := w.AddUse(dir, m.Path); err != nil {
			return err
		}
		if err := w.AddReplace(m.Path, version, dir, ""); err != nil {
			return err
		}
	}
	w.SortBlocks()
	w.Cleanup()
	return os.WriteFile(path, modfile.Format(w.Syntax), 0o644)
}

// WorkDir is how go.work names m's directory.
func WorkDir(m Module) string {
	if m.Dir == "." {
		return "."
	}
	return "./" + m.Dir
}
