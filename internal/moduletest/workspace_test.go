package moduletest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"github.com/attachkit/attachments/internal/moduletest"
)

// TestModulesRequireReleasedVersions checks what a host's go get reads:
// each go.mod requires the others at one tagged version, with no replace
// directive (which Go ignores in a dependency) and no checksum of ours in
// go.sum (it would be the hash of a working tree, not of the release).
func TestModulesRequireReleasedVersions(t *testing.T) {
	repo := openRepo(t)
	_, err := repo.Version()
	require.NoError(t, err)
	for _, m := range repo.Modules {
		assert.Empty(t, m.File.Replace, "%s/go.mod has a replace directive; the workspace (go.work) is for development", m.Dir)
		sum, err := os.ReadFile(filepath.Join(repo.Root, filepath.FromSlash(m.Dir), "go.sum"))
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		for line := range strings.Lines(string(sum)) {
			if f := strings.Fields(line); len(f) > 0 {
				assert.False(t, moduletest.Ours(f[0]), "%s/go.sum holds a checksum of our own module: %s", m.Dir, line)
			}
		}
	}
}

// TestWorkspaceHoldsEveryModule checks go.work, which make test and the
// developers' go commands build with: it uses every module of the
// repository and replaces each at the released version with its directory,
// so the workspace builds before that version is tagged.
func TestWorkspaceHoldsEveryModule(t *testing.T) {
	repo := openRepo(t)
	version, err := repo.Version()
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(repo.Root, "go.work"))
	require.NoError(t, err)
	w, err := modfile.ParseWork("go.work", data, nil)
	require.NoError(t, err)

	used := map[string]bool{}
	for _, u := range w.Use {
		used[filepath.Clean(u.Path)] = true
	}
	replaced := map[string]string{}
	for _, r := range w.Replace {
		replaced[r.Old.Path+"@"+r.Old.Version] = filepath.Clean(r.New.Path)
	}
	for _, m := range repo.Modules {
		dir := filepath.Clean(moduletest.WorkDir(m))
		assert.True(t, used[dir], "go.work does not use %s (go work use %s)", m.Dir, moduletest.WorkDir(m))
		assert.Equal(t, dir, replaced[m.Path+"@"+version], "go.work must replace %s@%s with its directory", m.Path, version)
	}
	assert.Len(t, w.Replace, len(repo.Modules), "go.work replaces only our modules, each once")
}

// TestReleaseOrder checks the order scripts/release.sh tags in: the root
// module first, and every module after those it requires.
func TestReleaseOrder(t *testing.T) {
	repo := openRepo(t)
	order, err := repo.Order()
	require.NoError(t, err)
	require.Len(t, order, len(repo.Modules))
	assert.Equal(t, ".", order[0].Dir, "the root module is tagged first")
	seen := map[string]bool{}
	for _, m := range order {
		for _, req := range m.File.Require {
			if moduletest.Ours(req.Mod.Path) {
				assert.True(t, seen[req.Mod.Path], "%s is tagged before %s, which it requires", m.Path, req.Mod.Path)
			}
		}
		seen[m.Path] = true
	}
	assert.Equal(t, "v1.2.3", order[0].Tag("v1.2.3"))
	for _, m := range order[1:] {
		assert.Equal(t, m.Dir+"/v1.2.3", m.Tag("v1.2.3"), "a nested module's tag is its directory and the version")
	}
}

// TestRequire checks that setting a release version rewrites every
// requirement between the modules and go.work, on a copy of the
// repository's module files.
func TestRequire(t *testing.T) {
	repo := openRepo(t)
	dir := t.TempDir()
	copyFile(t, filepath.Join(repo.Root, "go.work"), filepath.Join(dir, "go.work"))
	for _, m := range repo.Modules {
		copyFile(t, filepath.Join(repo.Root, filepath.FromSlash(m.Dir), "go.mod"), filepath.Join(dir, filepath.FromSlash(m.Dir), "go.mod"))
	}
	copyRepo, err := moduletest.Open(dir)
	require.NoError(t, err)
	require.Equal(t, len(repo.Modules), len(copyRepo.Modules))

	require.NoError(t, copyRepo.Require("v0.98.7"))
	assert.Error(t, copyRepo.Require("v9.8"), "a version that is not vX.Y.Z is refused")
	assert.Error(t, copyRepo.Require("v2.0.0"), "v2 needs new module paths (/v2), not a tag")
	assert.Error(t, copyRepo.Require("v0.0.0-20260101000000-abcdefabcdef"), "a pseudo-version is refused")

	after, err := moduletest.Open(dir)
	require.NoError(t, err)
	v, err := after.Version()
	require.NoError(t, err)
	assert.Equal(t, "v0.98.7", v)
	data, err := os.ReadFile(filepath.Join(dir, "go.work"))
	require.NoError(t, err)
	for _, m := range after.Modules {
		assert.Contains(t, string(data), m.Path+" v0.98.7 => "+moduletest.WorkDir(m), "go.work replaces %s at the new version", m.Path)
	}
	assert.NotContains(t, string(data), "v0.3.0 =>", "no replacement at the old version is left")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, data, 0o644))
}
