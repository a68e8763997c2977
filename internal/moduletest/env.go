package moduletest

import (
	"os/exec"
	"path/filepath"
	"strings"
)

// Env returns the environment, as KEY=value pairs to append to os.Environ,
// in which the go command resolves the repository's modules from the proxy
// in proxyDir (see BuildProxy) and nothing else, the way a host outside the
// repository does:
//
//   - GOWORK=off: no workspace, the versions in go.mod decide;
//   - GOPROXY: proxyDir first, then the module cache's own download
//     directory (a module proxy too), then the proxies already configured,
//     so third-party modules come from the cache when it has them;
//   - GOMODCACHE=modCache, a cache of its own: the repository's modules at a
//     version they will be tagged at must not land in the user's cache, which
//     would then serve a stale tree to the next run;
//   - GONOSUMDB for our modules, which no checksum database knows yet, and
//     GOPRIVATE and GONOPROXY empty, so that no setting of the user's sends
//     them to a VCS instead of the proxy;
//   - GOFLAGS=-modcacherw, so that our modules can be removed from that
//     cache before the next run, and GODEBUG=goindex=0: the go command
//     indexes a module cache directory once, for good, and would go on
//     reading an earlier tree's file list at the same version;
//   - GOTOOLCHAIN=local.
func Env(proxyDir, modCache string) ([]string, error) {
	out, err := exec.Command("go", "env", "GOMODCACHE", "GOPROXY").Output()
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	proxies := []string{fileURL(proxyDir)}
	if lines[0] != "" {
		proxies = append(proxies, fileURL(filepath.Join(lines[0], "cache", "download")))
	}
	if len(lines) > 1 && lines[1] != "" {
		proxies = append(proxies, lines[1])
	}
	return []string{
		"GOWORK=off",
		"GOPROXY=" + strings.Join(proxies, ","),
		"GOMODCACHE=" + modCache,
		"GONOSUMDB=" + Prefix,
		"GOPRIVATE=",
		"GONOPROXY=",
		"GOFLAGS=-modcacherw",
		"GODEBUG=goindex=0",
		"GOTOOLCHAIN=local",
	}, nil
}

func fileURL(dir string) string {
	return "file://" + filepath.ToSlash(dir)
}
