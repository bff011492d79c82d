package deliver

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"minyan/store"
)

// maildirSender writes each recipient's copy into a Maildir, the outbox
// used when no relay is configured (`[relay] address = ""`): one file
// per recipient, written to tmp/, fsynced and renamed into new/, so the
// copy in new/ is complete and durable before the recipient leaves the
// queue.
type maildirSender struct {
	dir  string
	host string
	log  *slog.Logger
}

func newMaildirSender(dir string, log *slog.Logger) (*maildirSender, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
	}
	return &maildirSender{dir: dir, host: maildirHost(), log: log}, nil
}

func (m *maildirSender) deliver(j *job) []result {
	res := make([]result, len(j.rcpts))
	wrote := false
	for i := range j.rcpts {
		if err := m.write(j, i); err != nil {
			m.log.Warn("writing to the outbox", "err", err)
			res[i] = result{deferred, err.Error(), ""}
			continue
		}
		res[i] = result{delivered, "", store.StageData}
		wrote = true
	}
	if wrote {
		// The renames are durable only once new/ itself is synced.
		if err := syncDir(filepath.Join(m.dir, "new")); err != nil {
			m.log.Warn("syncing the outbox", "err", err)
			for i := range res {
				res[i] = result{deferred, err.Error(), ""}
			}
		}
	}
	return res
}

// write stores the copy of recipient i: Return-Path and Delivered-To (as
// a local delivery agent would add them), the recipient's own header
// lines, then the shared body.
func (m *maildirSender) write(j *job, i int) error {
	r := j.rcpts[i]
	name := fmt.Sprintf("%d.%d_%d.%s", time.Now().UnixNano(), r.MsgID, r.Index, m.host)
	tmp := filepath.Join(m.dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	head := "Return-Path: <" + r.EnvelopeFrom + ">\r\nDelivered-To: " + r.Address + "\r\n" + j.sig + r.Header
	_, err = f.WriteString(head)
	for _, b := range filled(j.msg.raw, j.msg.marks, len(j.msg.q.Mark), r.Fill) {
		if err == nil {
			_, err = f.Write(b)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(m.dir, "new", name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("outbox %s: %w", name, err)
	}
	return nil
}

func (m *maildirSender) idle()             {}
func (m *maildirSender) abort(_ time.Time) {}
func (m *maildirSender) close()            {}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// maildirHost is the host part of Maildir file names, with "/" and ":"
// escaped as the Maildir convention asks.
func maildirHost() string {
	h := hostname()
	h = strings.ReplaceAll(h, "/", `\057`)
	return strings.ReplaceAll(h, ":", `\072`)
}

// hostname is this machine's name, for EHLO and Maildir names.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
