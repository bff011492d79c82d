package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The embedded default must be the file the README shows.
func TestEmbeddedConfigIsTheExample(t *testing.T) {
	t.Parallel()
	top, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if string(top) != defaultConfig {
		t.Fatal("config.example.toml and cmd/minyan/config.example.toml differ; copy the top-level one over")
	}
	if _, err := LoadConfig(""); err != nil {
		t.Fatalf("the default config does not load: %v", err)
	}
}

func TestConfigRefusesMistakes(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"[server]\ndomian = \"x.org\"\n":                   "unknown key(s) server.domian",
		"[relay]\nretry = [\"5 minutes\"]\n":               "not a duration",
		"[relay]\ntls = \"ssl\"\n":                         "relay.tls",
		"[server]\ndomain = \"localhost\"\n":               "server.domain",
		"[server]\npublic_url = \"example.org\"\n":         "server.public_url",
		"[server]\ntimezone = \"Mars/Olympus\"\n":          "server.timezone",
		"[relay]\nusername = \"u\"\n":                      "go together",
		"[server]\nsmtp_listen = \"\"\nlmtp_listen = \"\"": "receive no mail",
		"[server\n": "line 2",
	}
	for text, want := range cases {
		p := filepath.Join(t.TempDir(), "config.toml")
		os.WriteFile(p, []byte(text), 0o600)
		_, err := LoadConfig(p)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: got %v, want an error naming the file and %q", text, err, want)
		}
	}
	p := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(p, []byte("[relay]\nretry = [\"10s\"]\ngive_up_after = \"1h\"\n"), 0o600)
	c, err := LoadConfig(p)
	if err != nil || len(c.Relay.Retry) != 1 || c.Relay.Retry[0].Duration != 10*time.Second || c.Server.Domain != "lists.example.org" {
		t.Fatalf("partial config: %+v, %v", c, err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"a@example.net": "member"})
	e.send("a@example.net", []string{"team@lists.example.org"}, post("a@example.net", "team@lists.example.org", "hi", "x"))
	e.sink.WaitDelivered(1, 20*time.Second)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + e.srv.HTTPAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	waitFor(t, "deliveries counted", func() bool {
		_, body := get("/metrics")
		return strings.Contains(body, `minyan_deliveries_total{result="ok"} 1`)
	})
	_, body := get("/metrics")
	for _, want := range []string{`minyan_posts_total{result="received"} 1`, `minyan_posts_total{result="distributed"} 1`, "minyan_queue_depth 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// The admin socket is its owner's alone: whoever connects is an admin.
func TestAdminSocketIsPrivate(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	fi, err := os.Stat(filepath.Join(e.cfg.Server.DataDir, "admin.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.sock mode %v, want a 0600 socket", fi.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(e.cfg.Server.DataDir, ".admin-*"))
	if len(left) != 0 {
		t.Fatalf("temporary socket directories left behind: %v", left)
	}
}

// A port in use must end start-up with a clear error, not a hang: the
// listeners opened before it are closed by Close itself.
func TestBusyPortFailsCleanly(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"http", "imap"} {
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := LoadConfig("")
		cfg.Server.DataDir = t.TempDir()
		cfg.Server.SMTPListen, cfg.Server.HTTPListen, cfg.Server.IMAPListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
		if key == "http" {
			cfg.Server.HTTPListen = busy.Addr().String()
		} else {
			cfg.Server.IMAPListen = busy.Addr().String()
		}
		done := make(chan error, 1)
		go func() {
			_, err := startServer(cfg, slog.New(slog.DiscardHandler), serverDeps{})
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "another program already uses this address") {
				t.Fatalf("%s port busy: %v", key, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s port busy: start-up hangs", key)
		}
		busy.Close()
		// And the store was released: the same data dir opens again.
		s, err := startServer(cfg, slog.New(slog.DiscardHandler), serverDeps{})
		if err != nil {
			t.Fatalf("after a failed start: %v", err)
		}
		s.Close()
	}
}

// Relative paths in a config file are relative to the file, so the CLI
// run from another folder with --config finds the daemon's data instead
// of creating an empty database where it happens to be.
func TestConfigPathsAreRelativeToTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "etc", "config.toml")
	os.MkdirAll(filepath.Dir(p), 0o750)
	os.WriteFile(p, []byte("[server]\ndata_dir = \"./data\"\n[dkim]\nselector = \"s\"\nprivate_key = \"keys/dkim.pem\"\n"), 0o600)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.DataDir != filepath.Join(dir, "etc", "data") || c.DKIM.PrivateKey != filepath.Join(dir, "etc", "keys", "dkim.pem") {
		t.Fatalf("data_dir %q, private_key %q", c.Server.DataDir, c.DKIM.PrivateKey)
	}
	// The built-in default stays relative to where serve is run.
	d, _ := LoadConfig("")
	if d.Server.DataDir != "./data" {
		t.Fatalf("default data_dir %q", d.Server.DataDir)
	}
}
