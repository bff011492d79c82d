package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRefusesTheLiveStore: `minyan backup` never replaces the store
// it copies (named directly, relatively or through a symlink), and never
// replaces an existing file unless --force is given.
func TestBackupRefusesTheLiveStore(t *testing.T) {
	// Not parallel: it changes the working directory (t.Chdir).
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	cliSetupList(t, app, "team", "discussion", "ann@example.org")
	live := filepath.Join(cfg.Server.DataDir, "minyan.db")
	before, err := os.Stat(live)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(live, link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cfg.Server.DataDir)
	for _, target := range []string{live, "minyan.db", "./minyan.db", link} {
		for _, force := range []bool{false, true} {
			args := []string{"backup", target}
			if force {
				args = []string{"backup", "--force", target}
			}
			r := cliRun(t, app, args...)
			if r.code == 0 {
				t.Errorf("%v: exit 0: %q", args, r.stdout)
			}
			if !strings.Contains(r.stderr, "in use") {
				t.Errorf("%v: stderr %q does not say the store is in use", args, r.stderr)
			}
			after, err := os.Stat(live)
			if err != nil || !os.SameFile(before, after) {
				t.Fatalf("%v replaced the live store (%v)", args, err)
			}
		}
	}
	// An existing file is kept without --force and replaced with it.
	out := filepath.Join(t.TempDir(), "copy.db")
	cliRun(t, app, "backup", out).mustOK(t)
	first, _ := os.Stat(out)
	if r := cliRun(t, app, "backup", out); r.code == 0 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("second backup over %s: exit %d, stderr %q", out, r.code, r.stderr)
	}
	if again, _ := os.Stat(out); !os.SameFile(first, again) {
		t.Errorf("the existing copy was replaced without --force")
	}
	cliRun(t, app, "backup", "--force", out).mustOK(t)
	if again, _ := os.Stat(out); os.SameFile(first, again) {
		t.Errorf("--force did not replace the copy")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
