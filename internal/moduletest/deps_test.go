package moduletest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/internal/moduletest"
)

// TestHostLinksWhatItUses: a host links the driver it picks and nothing
// else. The packages a host imports for one choice must not depend, even
// indirectly, on another choice's modules.
func TestHostLinksWhatItUses(t *testing.T) {
	repo := openRepo(t)
	const (
		sqlite = "modernc.org/"
		pgx    = "github.com/jackc/"
		aws    = "github.com/aws/"
	)
	tests := []struct {
		name     string
		dir      string   // where to run go list
		packages []string // what the host imports
		never    []string // module path prefixes it must not link
	}{
		{"the PostgreSQL ledger", "ledger/sqlledger", []string{"./postgres"}, []string{sqlite}},
		{"the SQLite ledger", "ledger/sqlledger", []string{"./sqlite"}, []string{pgx}},
		{"the ledger's shared code", "ledger/sqlledger", []string{"."}, []string{sqlite, pgx}},
		{"gocloud on Google Cloud Storage", "storage/gocloud", []string{".", "gocloud.dev/blob/gcsblob"}, []string{aws}},
		{"gocloud on Azure", "storage/gocloud", []string{".", "gocloud.dev/blob/azureblob"}, []string{aws}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deps := goList(t, repo, tt.dir, append([]string{"-deps", "-f", "{{with .Module}}{{.Path}}{{end}}"}, tt.packages...)...)
			for _, m := range deps {
				for _, never := range tt.never {
					assert.False(t, strings.HasPrefix(m, never), "a host of %s links %s", tt.name, m)
				}
			}
		})
	}
}

// TestCoreRequiresLittle: the root module's packages link only uuid and
// filetype (and testify, for attachmentstest), the design's promise.
func TestCoreRequiresLittle(t *testing.T) {
	repo := openRepo(t)
	allowed := []string{moduletest.Prefix, "github.com/google/uuid", "github.com/h2non/filetype", "github.com/stretchr/testify",
		"github.com/davecgh/go-spew", "github.com/pmezard/go-difflib", "gopkg.in/yaml.v3", "go.yaml.in/yaml/v3"} // testify's own
	for _, m := range goList(t, repo, ".", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...") {
		assert.Contains(t, allowed, m, "the core module links %s", m)
	}
}

// TestNoTestOnlyRequirements: a library module requires only what its
// packages use (and testify, which every module's tests use): a module that
// only its tests need, a browser driver say, belongs in a test-only module
// under internal/, or a host's module graph carries it for nothing.
func TestNoTestOnlyRequirements(t *testing.T) {
	repo := openRepo(t)
	for _, m := range repo.Modules {
		if !m.Library() {
			continue
		}
		t.Run(m.Dir, func(t *testing.T) {
			used := goList(t, repo, m.Dir, "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./...")
			for _, req := range m.File.Require {
				p := req.Mod.Path
				if req.Indirect || p == "github.com/stretchr/testify" || moduletest.Ours(p) {
					continue
				}
				assert.True(t, slices.Contains(used, p), "%s/go.mod requires %s, which only its tests use", m.Dir, p)
			}
		})
	}
}

// goList runs go list in the workspace, in dir, and returns its lines,
// each once.
func goList(t *testing.T, repo *moduletest.Repo, dir string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = filepath.Join(repo.Root, filepath.FromSlash(dir))
	cmd.Env = append(os.Environ(), "GOWORK="+filepath.Join(repo.Root, "go.work"), "GOFLAGS=")
	out, err := cmd.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, "go list %s in %s: %s", strings.Join(args, " "), dir, stderr)
	lines := strings.Fields(string(out))
	slices.Sort(lines)
	return slices.Compact(lines)
}
