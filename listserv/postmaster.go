package listserv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"minyan/store"
)

// Mail for postmaster@ and abuse@ at the list domain (see
// IsPostmasterAddress) goes to the site's administrators
// (Options.Postmasters), attached to a short note. With no administrator
// configured it is kept in a Maildir (Options.PostmasterDir) where any
// mail reader can open it; it is never dropped: with neither, the sender
// is asked to retry (451) and the log says what to configure.

// postmasterLog is the part name of postmaster log lines.
const postmasterLog = "postmaster"

// LogPostmasterSetup warns once, at startup, when postmaster mail has no
// administrator to go to.
func (s *Service) LogPostmasterSetup() {
	switch {
	case len(s.o.Postmasters) > 0:
		s.log.Info("postmaster and abuse mail goes to the site admins", "part", postmasterLog, "to", s.o.Postmasters)
	case s.o.PostmasterDir != "":
		s.log.Warn("no site admins are configured: mail to postmaster@ and abuse@ is kept in a Maildir and nobody is told; name them in the config ([web] admins) to have it forwarded",
			"part", postmasterLog, "maildir", s.o.PostmasterDir)
	default:
		s.log.Warn("no site admins and no postmaster Maildir are configured: mail to postmaster@ and abuse@ is refused for now (451)", "part", postmasterLog)
	}
}

// receivePostmaster forwards or keeps one message for postmaster@ or
// abuse@; nil only once it is committed (queued or synced to disk).
func (s *Service) receivePostmaster(_ context.Context, env Envelope, rcpt string, raw []byte) error {
	if len(s.o.Postmasters) == 0 {
		if s.o.PostmasterDir == "" {
			s.log.Error("postmaster mail refused: no site admins and no postmaster Maildir configured", "part", postmasterLog, "from", env.From)
			return tempFail(errors.New("no postmaster configured"))
		}
		name, err := deliverMaildir(s.o.PostmasterDir, s.clock.Now().Unix(), raw)
		if err != nil {
			return tempFail(err)
		}
		s.log.Warn("postmaster mail kept in the Maildir; no site admins are configured to receive it",
			"part", postmasterLog, "from", env.From, "file", name)
		return nil
	}
	subject, from := "(no subject)", env.From
	// A message we cannot parse still reaches the admins: it may be the
	// very report of a broken mailer.
	if m, err := parse(raw); err == nil {
		if m.Subject != "" {
			subject = m.Subject
		}
		if m.From != nil {
			from = m.From.String()
		}
	}
	envFrom := env.From
	if envFrom == "" {
		envFrom = "<> (a delivery report)"
	}
	// Each site admin reads it in their own language.
	err := s.st.Batch(func(tx *store.Tx) error {
		return s.queueNoticeIn(tx, "", s.o.Postmasters, "postmaster-forward", map[string]any{
			"Subject": subject, "From": from, "EnvelopeFrom": envFrom, "To": NormalizeAddress(rcpt),
		}, notice{From: "postmaster@" + s.o.Domain, ReplyTo: from, Attached: raw})
	})
	if err != nil {
		return tempFail(err)
	}
	s.log.Info("postmaster mail forwarded to the site admins", "part", postmasterLog, "from", env.From)
	return nil
}

// deliverMaildir stores raw as a new message in the Maildir at dir
// (created if missing): written to tmp/, synced, then renamed into new/,
// so a reader never sees half a message and a crash loses nothing that
// was answered 250.
func deliverMaildir(dir string, now int64, raw []byte) (string, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return "", fmt.Errorf("postmaster maildir: %w", err)
		}
	}
	name := fmt.Sprintf("%d.%s.minyan", now, store.NewToken())
	tmp := filepath.Join(dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("postmaster maildir: %w", err)
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, "new", name))
	}
	if err == nil {
		err = syncDir(filepath.Join(dir, "new"))
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("postmaster maildir: %w", err)
	}
	return filepath.Join(dir, "new", name), nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
