package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// goKeyRE finds the catalogue keys Go code names as literals: h.t(r,
// "key"), h.tFor(r, addr, "key"), cat.T(l, "key"), cat.N(l, "key", n),
// say("key") (a listserv.Said).
var goKeyRE = regexp.MustCompile(`(?:\.t\(r, |\.tFor\(r, [^,]+, |\.T\([^,()]+, |\.N\([^,()]+, |\bsay\()"([a-z_0-9]+\.[a-z_0-9.]+)"`)

// TestGoKeysExist: every key the handlers and the domain name in Go is
// in the English catalogue (so no page shows "[key]").
func TestGoKeysExist(t *testing.T) {
	var files []string
	for _, dir := range []string{".", "..", "../../digest"} {
		fs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, fs...)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKeyRE.FindAllStringSubmatch(string(src), -1) {
			n++
			if strings.HasSuffix(m[1], "_") || strings.HasSuffix(m[1], ".") { // a prefix the code completes
				if !i18n.Builtin().HasKeyPrefix(m[1]) {
					t.Errorf("%s names keys %q…, which the catalogue lacks", f, m[1])
				}
				continue
			}
			if !i18n.Builtin().Has(i18n.English, m[1]) {
				t.Errorf("%s names %q, which the catalogue lacks", f, m[1])
			}
		}
	}
	if n == 0 {
		t.Fatal("found no keys named in Go: the pattern is out of date")
	}
}

// TestSettingTextsExist: every setting the console shows has its label
// and help, and every group its title, in the catalogue.
func TestSettingTextsExist(t *testing.T) {
	cat := i18n.Builtin()
	for _, g := range listserv.SettingGroups() {
		if k := "setting_group." + settingGroupKey(g.Title); !cat.Has(i18n.English, k) {
			t.Errorf("the catalogue lacks %s", k)
		}
		for _, s := range g.Settings {
			for _, k := range []string{"setting." + s.Key + ".label", "setting." + s.Key + ".help"} {
				if !cat.Has(i18n.English, k) {
					t.Errorf("the catalogue lacks %s", k)
				}
			}
		}
	}
}
