package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A damaged minyan.db stops the built binary with exit status 1 and a
// message naming the file and the remedy: a truncated file used to kill
// `serve` with SIGBUS, and an empty one was silently replaced by an empty
// store (every list then answered 550).
func TestDamagedStoreStopsTheBinary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		size int64
		want string
	}{
		{"truncated", 8192, "cut short"},
		{"empty", 0, "empty (0 bytes)"},
		// Every page after the two headers overwritten: bbolt panicked
		// (a raw Go panic, exit status 2) while opening it.
		{"pages overwritten", -1, "reading it failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t, "127.0.0.1:1")
			e.mustRun("list", "create", "--kind", "discussion", "--title", "Network", "network")
			e.mustRun("member", "add", "network", "alice@example.net")
			db := filepath.Join(e.dir, "data", "minyan.db")
			if tc.size >= 0 {
				if err := os.Truncate(db, tc.size); err != nil {
					t.Fatal(err)
				}
			} else {
				b, err := os.ReadFile(db)
				if err != nil {
					t.Fatal(err)
				}
				page := os.Getpagesize()
				for i := 2 * page; i < len(b); i++ {
					b[i] = byte(i*7 + i/page)
				}
				if err := os.WriteFile(db, b, 0o600); err != nil {
					t.Fatal(err)
				}
				tc.size = int64(len(b))
			}
			for _, args := range [][]string{{"serve"}, {"list", "ls"}} {
				// Before the check, serve on an empty file ran on with an
				// empty store: the deadline turns that into a failure.
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
				cmd := exec.CommandContext(ctx, e.bin, append([]string{"--config", e.cfg}, args...)...)
				cmd.WaitDelay = 5 * time.Second
				out, err := cmd.CombinedOutput()
				cancel()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 1 {
					t.Errorf("minyan %s on a %s store: %v, want exit status 1\n%s", strings.Join(args, " "), tc.name, err, out)
					continue
				}
				for _, w := range []string{db, tc.want, "backup"} {
					if !strings.Contains(string(out), w) {
						t.Errorf("minyan %s: output does not say %q:\n%s", strings.Join(args, " "), w, out)
					}
				}
			}
			if fi, err := os.Stat(db); err != nil || fi.Size() != tc.size {
				t.Errorf("the damaged file was changed: %v %v", fi, err)
			}
		})
	}
}
