package main

import (
	"runtime/debug"
)

// versionString names this build: the module version when built from a
// tagged release (go install minyan@vX), else "devel" with the VCS
// revision Go stamped into the binary, so a bug report identifies the
// build without a hand-maintained version variable.
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	v = "devel"
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		v += "+" + rev[:min(12, len(rev))]
		if modified == "true" {
			v += "-dirty"
		}
	}
	return v
}
