package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The deployment files of docs/deploy are checked here because no
// container runtime can build the image in this project's CI (no daemon,
// and no registry to pull base images from): the Dockerfile is linted for
// what a careful admin would look for, and the systemd unit is verified
// by systemd-analyze where it is installed.

const deployDir = "../../docs/deploy"

// dockerInstructions reads a Dockerfile into instructions (continuation
// lines joined, comments dropped), each as [KEYWORD, rest].
func dockerInstructions(t *testing.T, path string) [][2]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	cur := ""
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		cur += trimmed
		kw, rest, _ := strings.Cut(cur, " ")
		out = append(out, [2]string{strings.ToUpper(kw), strings.TrimSpace(rest)})
		cur = ""
	}
	return out
}

func TestDockerfileEssentials(t *testing.T) {
	t.Parallel()
	ins := dockerInstructions(t, filepath.Join(deployDir, "Dockerfile"))
	var froms []string
	lastFrom := -1
	for i, in := range ins {
		if in[0] == "FROM" {
			froms = append(froms, in[1])
			lastFrom = i
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got FROM %v", froms)
	}
	tagRE := regexp.MustCompile(`^[a-z0-9./-]+:[A-Za-z0-9._-]+(@sha256:[0-9a-f]{64})?$`)
	for _, f := range froms {
		image := strings.Fields(f)[0]
		if !tagRE.MatchString(image) || strings.HasSuffix(image, ":latest") {
			t.Errorf("FROM %s: pin a tag other than latest", image)
		}
	}
	final := ins[lastFrom:]
	if img := strings.Fields(froms[len(froms)-1])[0]; !strings.Contains(img, "distroless") && img != "scratch" {
		t.Errorf("final stage %s: want distroless or scratch", img)
	}
	var user, health, entry string
	for _, in := range final {
		switch in[0] {
		case "USER":
			user = in[1]
		case "HEALTHCHECK":
			health = in[1]
		case "ENTRYPOINT":
			entry = in[1]
		case "COPY":
			// Files copied from the build context must exist.
			f := strings.Fields(in[1])
			if !strings.HasPrefix(f[0], "--from") {
				if _, err := os.Stat(filepath.Join("../..", f[0])); err != nil {
					t.Errorf("COPY %s: %v", f[0], err)
				}
			}
		}
	}
	if u := strings.Split(user, ":")[0]; u == "" || u == "root" || u == "0" {
		t.Errorf("final stage USER %q: the daemon must not run as root", user)
	}
	if !strings.Contains(health, `CMD ["/usr/local/bin/minyan", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK %q: want the exec form of `minyan healthcheck` (no shell in the image)", health)
	}
	if !strings.HasPrefix(entry, "[") {
		t.Errorf("ENTRYPOINT %q: want the exec form, so signals reach minyan", entry)
	}
	if _, _, err := findCommand([]string{"healthcheck"}); err != nil {
		t.Errorf("the HEALTHCHECK command does not exist: %v", err)
	}
	// The configuration baked into the image loads.
	if _, err := LoadConfig(filepath.Join(deployDir, "config.container.toml")); err != nil {
		t.Errorf("config.container.toml: %v", err)
	}
}

// unitDirectives reads KEY=VALUE lines of a systemd unit (all values of
// repeated keys).
func unitDirectives(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out[k] = append(out[k], v)
	}
	return out
}

func TestSystemdUnitSandboxed(t *testing.T) {
	t.Parallel()
	path := filepath.Join(deployDir, "minyan.service")
	d := unitDirectives(t, path)
	for k, want := range map[string]string{
		"ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
		"PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "", "UMask": "0077",
	} {
		if got := d[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%v, want %q", k, got, want)
		}
	}
	if u := d["User"]; len(u) != 1 || u[0] == "" || u[0] == "root" {
		t.Errorf("User=%v: want a dedicated user", u)
	}
	if rw := d["ReadWritePaths"]; len(rw) != 1 || !strings.Contains(rw[0], "/var/lib/minyan") {
		t.Errorf("ReadWritePaths=%v: want the data dir", rw)
	}
	if ex := d["ExecStart"]; len(ex) != 1 || !strings.HasSuffix(ex[0], " serve") {
		t.Errorf("ExecStart=%v", ex)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed; only the directives were checked")
		return
	}
	// verify wants ExecStart's binary to exist: point it at a built one.
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	unit, _ := os.ReadFile(path)
	tmp := filepath.Join(t.TempDir(), "minyan.service")
	os.WriteFile(tmp, bytes.ReplaceAll(unit, []byte("/usr/local/bin/minyan"), []byte(bin)), 0o644)
	out, err := exec.Command(analyze, "verify", tmp).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestCaddyfileProxiesToHTTPListen(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(deployDir, "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "reverse_proxy "+cfg.Server.HTTPListen) {
		t.Errorf("the Caddyfile should proxy to the default http_listen %s", cfg.Server.HTTPListen)
	}
}

func TestTrustedProxiesConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	os.WriteFile(path, []byte("[web]\ntrusted_proxies = [\"127.0.0.1\", \"::1\", \"10.0.0.0/8\"]\n"), 0o600)
	if _, err := LoadConfig(path); err != nil {
		t.Errorf("good proxies refused: %v", err)
	}
	os.WriteFile(path, []byte("[web]\ntrusted_proxies = [\"localhost\"]\n"), 0o600)
	if _, err := LoadConfig(path); err == nil || !strings.Contains(err.Error(), "web.trusted_proxies") {
		t.Errorf("a host name was accepted: %v", err)
	}
}
