// Command modules is what the release and maintenance scripts ask about the
// repository's modules (scripts/release.sh, scripts/tidy.sh). Run it from
// anywhere inside the repository:
//
//	modules version          the one version the modules require of each other
//	modules order            each module's directory and release tag, dependencies first
//	modules require VERSION  set every requirement between the modules, and go.work, to VERSION
//	modules proxy DIR        serve the working tree's modules from a module proxy in DIR/proxy
//	                         and print the environment (shell export lines) that resolves
//	                         them from it, with a module cache of its own in DIR/modcache
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/attachkit/attachments/internal/moduletest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "modules:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: modules version | order | require VERSION | proxy DIR")
	}
	repo, err := moduletest.Open(".")
	if err != nil {
		return err
	}
	switch {
	case args[0] == "version" && len(args) == 1:
		v, err := repo.Version()
		if err != nil {
			return err
		}
		fmt.Println(v)
	case args[0] == "order" && len(args) == 1:
		v, err := repo.Version()
		if err != nil {
			return err
		}
		order, err := repo.Order()
		if err != nil {
			return err
		}
		for _, m := range order {
			fmt.Println(m.Dir, m.Tag(v))
		}
	case args[0] == "require" && len(args) == 2:
		return repo.Require(args[1])
	case args[0] == "proxy" && len(args) == 2:
		return proxy(repo, args[1])
	default:
		return fmt.Errorf("unknown command %q", strings.Join(args, " "))
	}
	return nil
}

func proxy(repo *moduletest.Repo, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	version, err := repo.Version()
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "proxy")
	if err := repo.BuildProxy(p, version); err != nil {
		return err
	}
	env, err := moduletest.Env(p, filepath.Join(dir, "modcache"))
	if err != nil {
		return err
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Printf("export %s='%s'\n", k, strings.ReplaceAll(v, "'", `'\''`))
	}
	return nil
}
