package main

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"minyan/listserv/outbox/deliver"
)

// dkimCommands manage outbound DKIM signing (dkim keygen).
func dkimCommands() []*command {
	return []*command{
		{name: "dkim keygen", args: "[--type rsa|ed25519] [-o FILE] [--selector S] [--force]",
			summary: "write a new DKIM private key (PEM, mode 0600) and print the DNS TXT record to publish",
			setup:   setupDKIMKeygen},
	}
}

// setupDKIMKeygen builds `minyan dkim keygen`. The record goes to stdout
// (one line, ready for a zone file or a DNS provider's form); what to do
// next goes to stderr.
func setupDKIMKeygen(fs *flag.FlagSet) action {
	kind := fs.String("type", "rsa", "key `TYPE`: rsa (2048 bits, verified everywhere) or ed25519 (short; not every receiver checks it)")
	out := fs.String("o", "", "write the key to `FILE` (default: dkim.private_key from the config, else dkim-SELECTOR.pem)")
	selector := fs.String("selector", "", "`SELECTOR` the record is published under (default: dkim.selector from the config, else minyan)")
	force := fs.Bool("force", false, "replace FILE if it exists (the old key stops working once its record is gone)")
	return func(_ context.Context, env *cmdEnv, _ []string) error {
		cfg := env.app.Cfg
		sel := strings.TrimSpace(*selector)
		if sel == "" {
			sel = cfg.DKIM.Selector
		}
		if sel == "" {
			sel = "minyan"
		}
		if !validSelector(sel) {
			return env.usage(fmt.Sprintf("--selector %q is not a DNS label such as minyan2026", sel))
		}
		file := *out
		if file == "" {
			file = cfg.DKIM.PrivateKey
		}
		if file == "" {
			file = "dkim-" + sel + ".pem"
		}
		if file == "-" {
			return env.usage("the private key must go to a file, not standard output")
		}
		if *kind != "rsa" && *kind != "ed25519" {
			return env.usage(fmt.Sprintf("--type %q must be rsa or ed25519", *kind))
		}
		if !*force {
			// Where the command was typed (through the daemon's socket
			// too): an existing key is never replaced by accident. Looked
			// at before the key is made, which takes a moment for RSA.
			if _, err := env.io.ReadFile(file); err == nil {
				return fmt.Errorf("dkim keygen: %s already exists; choose another -o FILE, or add --force to replace it", file)
			}
		}
		var key crypto.Signer
		if *kind == "rsa" {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return fmt.Errorf("dkim keygen: %w", err)
			}
			key = k
		} else {
			_, k, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return fmt.Errorf("dkim keygen: %w", err)
			}
			key = k
		}
		pemBytes, err := deliver.MarshalDKIMKey(key)
		if err != nil {
			return fmt.Errorf("dkim keygen: %w", err)
		}
		record, err := deliver.DKIMRecord(key.Public())
		if err != nil {
			return fmt.Errorf("dkim keygen: %w", err)
		}
		f, err := env.io.CreateFile(file, false)
		if err != nil {
			return fmt.Errorf("dkim keygen: %w", err)
		}
		if _, err := f.Write(pemBytes); err != nil {
			f.Abort()
			return fmt.Errorf("dkim keygen: %w", err)
		}
		if err := f.Commit(); err != nil {
			return fmt.Errorf("dkim keygen: %w", err)
		}
		fmt.Fprintln(env.io.Stdout, dkimTXTLine(sel, cfg.Server.Domain, record))
		w := env.io.Stderr
		fmt.Fprintf(w, "wrote the %s private key to %s (mode 0600; keep it secret)\n", *kind, file)
		fmt.Fprintf(w, "publish the TXT record above at %s._domainkey.%s, then set in the config:\n", sel, cfg.Server.Domain)
		fmt.Fprintf(w, "  [dkim]\n  selector = %q\n  private_key = %q\n", sel, file)
		fmt.Fprintln(w, "and restart the daemon; check with: dig +short TXT "+sel+"._domainkey."+cfg.Server.Domain)
		return nil
	}
}

// dkimTXTLine is the record as a zone-file line. A TXT string holds at
// most 255 characters (RFC 1035), so a long record (any RSA key) is
// split into several quoted strings, which resolvers join.
func dkimTXTLine(selector, domain, record string) string {
	var parts []string
	for len(record) > 255 {
		parts = append(parts, `"`+record[:255]+`"`)
		record = record[255:]
	}
	parts = append(parts, `"`+record+`"`)
	return selector + "._domainkey." + domain + " IN TXT " + strings.Join(parts, " ")
}

// loadDKIM reads the `[dkim]` key once, at start: signing then never
// touches the disk. No [dkim] section means no signing (nil).
func loadDKIM(cfg *Config, log *slog.Logger) (*deliver.DKIM, error) {
	if !cfg.DKIM.Enabled() {
		log.Warn("outgoing mail is not DKIM-signed: large providers may junk or refuse it (see `minyan dkim keygen`)")
		return nil, nil
	}
	path := cfg.DKIM.PrivateKey
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dkim.private_key: %w (create a key with `minyan dkim keygen -o %s`)", err, path)
	}
	key, err := deliver.ParseDKIMKey(data)
	if err != nil {
		return nil, fmt.Errorf("dkim.private_key %s: %w", path, err)
	}
	d, err := deliver.NewDKIM(cfg.Server.Domain, cfg.DKIM.Selector, key)
	if err != nil {
		return nil, fmt.Errorf("dkim.private_key %s: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("the DKIM private key is readable by others; chmod 600 it", "file", path, "mode", st.Mode().Perm().String())
	}
	log.Info("signing outgoing mail with DKIM", "domain", cfg.Server.Domain, "selector", cfg.DKIM.Selector,
		"record", cfg.DKIM.Selector+"._domainkey."+cfg.Server.Domain)
	return d, nil
}
