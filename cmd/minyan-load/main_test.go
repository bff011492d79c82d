package main

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestLoadSmoke runs the load command end to end at a tiny size, so the
// tool the README's performance figures come from keeps working. It
// checks completion, not speed.
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the minyan binary")
	}
	bin := filepath.Join(t.TempDir(), "minyan")
	if out, err := exec.Command("go", "build", "-o", bin, "../minyan").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if err := run(bin, 50, []string{"batched", "personalized", "alert", "alert-batched"}, "", "off", 40, 4, time.Minute); err != nil {
		t.Fatal(err)
	}
}
