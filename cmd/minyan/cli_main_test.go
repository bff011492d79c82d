package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliMain runs the whole command line (run) with an environment table.
func cliMain(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, processEnv{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return env[k] },
	})
	return cliResult{code, out.String(), errb.String()}
}

// cliConfigFile writes a config file whose data_dir is a fresh temp dir.
func cliConfigFile(t *testing.T) (path, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	path = filepath.Join(dir, "minyan.toml")
	if err := os.WriteFile(path, []byte("[server]\ndata_dir = \""+dataDir+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, dataDir
}

func TestGlobalConfigFlag(t *testing.T) {
	t.Parallel()
	path, dataDir := cliConfigFile(t)
	cliMain(t, nil, "--config", path, "list", "create", "one").expect(t, 0, "created list one (discussion)\n", "")
	cliMain(t, nil, "list", "--config="+path, "create", "two").expect(t, 0, "created list two (discussion)\n", "")
	cliMain(t, nil, "list", "create", "--config", path, "--kind", "caucus", "three").expect(t, 0, "created list three (caucus)\n", "")
	cliMain(t, nil, "list", "create", "--kind", "announce", "four", "-config", path).expect(t, 0, "created list four (announce)\n", "")
	cliMain(t, map[string]string{"MINYAN_CONFIG": path}, "list", "ls").expect(t, 0,
		"four\tannounce\t0\tfour\none\tdiscussion\t0\tone\nthree\tcaucus\t0\tthree\ntwo\tdiscussion\t0\ttwo\n", "")
	if _, err := os.Stat(filepath.Join(dataDir, "minyan.db")); err != nil {
		t.Errorf("store not in the configured data_dir: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "nope.toml")
	r := cliMain(t, nil, "--config", missing, "list", "ls")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "minyan: config: open "+missing+": no such file") {
		t.Errorf("missing --config: %+v", r)
	}
	r = cliMain(t, map[string]string{"MINYAN_CONFIG": missing}, "list", "ls")
	if r.code != 1 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing $MINYAN_CONFIG: %+v", r)
	}
	cliMain(t, nil, "list", "ls", "--config").expect(t, 1, "",
		"minyan: --config needs a file name: --config PATH\nrun 'minyan help' for the list of commands\n")
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[server]\ndomian = \"x.org\"\n"), 0o600)
	r = cliMain(t, nil, "--config", bad, "list", "ls")
	if r.code != 1 || !strings.Contains(r.stderr, "unknown key(s) server.domian") {
		t.Errorf("bad config: %+v", r)
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	r := cliMain(t, nil)
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "usage: minyan [--config PATH] COMMAND") {
		t.Errorf("no arguments: %+v", r)
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		r := cliMain(t, nil, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: minyan [--config PATH] COMMAND") ||
			!strings.Contains(r.stdout, "\n  minyan queue ls\n") || !strings.Contains(r.stdout, "\n  minyan serve [--skip-check]\n") {
			t.Errorf("%v: %+v", args, r)
		}
	}
	r = cliMain(t, nil, "help", "member", "import")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: minyan member import LIST FILE.csv\n") {
		t.Errorf("help member import: %+v", r)
	}
	r = cliMain(t, nil, "held", "approve", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "  --reason REASON\n") {
		t.Errorf("held approve --help: %+v", r)
	}
	cliMain(t, nil, "help", "frob").expect(t, 1, "", "minyan: no help for \"frob\": there is no such command\nrun 'minyan help' for the list of commands\n")
	cliMain(t, nil, "frob").expect(t, 1, "", "minyan: unknown command \"frob\"\nrun 'minyan help' for the list of commands\n")
	cliMain(t, nil, "serve", "now").expect(t, 1, "", "minyan: unexpected argument \"now\"\nusage: minyan serve [--skip-check]\n")

	r = cliMain(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "minyan ") || strings.Count(r.stdout, "\n") != 1 || len(r.stdout) < len("minyan x\n") {
		t.Errorf("version: %+v", r)
	}
}
