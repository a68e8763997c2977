package moduletest_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"github.com/attachkit/attachments/internal/moduletest"
)

// TestHostBuildsFromProxy does what a user's go get does: outside the
// repository, with no workspace, a host program requires every library
// module at the version the modules require of each other, fetched from a
// module proxy that serves the working tree at that version; every package
// of every library module builds there, and the host program runs.
func TestHostBuildsFromProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every library module through a module proxy")
	}
	repo := openRepo(t)
	version, err := repo.Version()
	require.NoError(t, err, "the modules must require one tagged version of each other")

	work := t.TempDir()
	proxy := filepath.Join(work, "proxy")
	require.NoError(t, repo.BuildProxy(proxy, version))
	env, err := moduletest.Env(proxy, modCache(t))
	require.NoError(t, err)

	host := filepath.Join(work, "host")
	require.NoError(t, os.Mkdir(host, 0o755))
	main, err := os.ReadFile(filepath.Join("testdata", "host", "main.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(host, "main.go"), main, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(host, "go.mod"), []byte("module example.com/host\n\ngo 1.26.0\n"), 0o644))
	// The repository's checksums of third-party modules, so that the host
	// verifies them without asking a checksum database; ours are not there.
	require.NoError(t, os.WriteFile(filepath.Join(host, "go.sum"), repoSums(t, repo), 0o644))

	var libs, packages []string
	for _, m := range repo.Modules {
		if m.Library() {
			libs = append(libs, m.Path+"@"+version)
			packages = append(packages, goList(t, repo, m.Dir, "./...")...)
		}
	}
	goCmd(t, host, env, append([]string{"get"}, libs...)...)
	// Every package of every library module, not only those the host uses.
	goCmd(t, host, env, append([]string{"build"}, packages...)...)
	goCmd(t, host, env, "mod", "tidy")

	data, err := os.ReadFile(filepath.Join(host, "go.mod"))
	require.NoError(t, err)
	f, err := modfile.Parse("go.mod", data, nil)
	require.NoError(t, err)
	assert.Empty(t, f.Replace, "the host builds with no replace directive")
	for _, req := range f.Require {
		if moduletest.Ours(req.Mod.Path) {
			assert.Equal(t, version, req.Mod.Version, "the host requires %s at the released version", req.Mod.Path)
		}
	}

	bin := filepath.Join(work, "host-bin")
	goCmd(t, host, env, "build", "-o", bin, ".")
	out, err := exec.Command(bin).CombinedOutput()
	require.NoError(t, err, "the host program fails:\n%s", out)
	for _, want := range []string{"httpapi: sent image/png", "preview: thumbnail 16x12", "vips: thumbnail 16x12", "ok"} {
		assert.Contains(t, string(out), want+"\n", "the host program's output")
	}
}

// modCache returns a module cache for the test's go commands, kept between
// runs so that third-party modules are extracted and compiled once, with
// the repository's own modules removed first: a run must never find the
// tree of an earlier run at the same version. A lock keeps two runs apart.
func modCache(t *testing.T) string {
	base, err := os.UserCacheDir()
	require.NoError(t, err)
	dir := filepath.Join(base, "attachkit", "moduletest-modcache")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	lock, err := os.Create(dir + ".lock")
	require.NoError(t, err)
	require.NoError(t, syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	t.Cleanup(func() { lock.Close() }) // closing releases the lock
	for _, p := range []string{
		filepath.Join(dir, filepath.FromSlash(moduletest.Prefix)) + "@" + "*",
		filepath.Join(dir, filepath.FromSlash(moduletest.Prefix), "*"),
		filepath.Join(dir, "cache", "download", filepath.FromSlash(moduletest.Prefix)),
	} {
		matches, err := filepath.Glob(p)
		require.NoError(t, err)
		for _, m := range matches {
			require.NoError(t, os.RemoveAll(m))
		}
	}
	return dir
}

// repoSums returns the lines of every go.sum and go.work.sum of the
// repository.
func repoSums(t *testing.T, repo *moduletest.Repo) []byte {
	var sums bytes.Buffer
	files := []string{filepath.Join(repo.Root, "go.work.sum")}
	for _, m := range repo.Modules {
		files = append(files, filepath.Join(repo.Root, filepath.FromSlash(m.Dir), "go.sum"))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		for line := range strings.Lines(string(data)) {
			if f := strings.Fields(line); len(f) > 0 && !moduletest.Ours(f[0]) {
				sums.WriteString(line)
			}
		}
	}
	return sums.Bytes()
}

// goCmd runs the go command in dir with env added, and fails t with its
// output if it fails.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func openRepo(t *testing.T) *moduletest.Repo {
	t.Helper()
	repo, err := moduletest.Open(".")
	require.NoError(t, err)
	return repo
}
