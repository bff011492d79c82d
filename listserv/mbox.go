package listserv

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"time"

	"minyan/store"
)

// ExportArchive writes a list's archive as mboxrd (RFC 4155 with
// ">From " quoting that can be undone exactly), oldest first. Lines are
// LF-terminated, as mbox readers expect.
func (s *Service) ExportArchive(list string, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		return tx.EachArchived(list, 1, 0, func(m store.ArchiveMeta, raw []byte) error {
			n++
			return WriteMboxrd(bw, m.From, m.Archived, raw)
		})
	})
	if err != nil {
		return n, notFoundText(err, "no list named "+list)
	}
	return n, bw.Flush()
}

// WriteMboxrd appends one message in mboxrd form.
func WriteMboxrd(w io.Writer, from string, at time.Time, raw []byte) error {
	if from == "" {
		from = "MAILER-DAEMON"
	}
	if _, err := fmt.Fprintf(w, "From %s %s\n", from, at.UTC().Format(time.ANSIC)); err != nil {
		return err
	}
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if isFromLine(line) {
			if _, err := w.Write([]byte(">")); err != nil {
				return err
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		if _, err := w.Write([]byte("\n")); err != nil {
			return err
		}
	}
	_, err := w.Write([]byte("\n"))
	return err
}

// isFromLine matches ^>*From , the lines mboxrd quotes.
func isFromLine(line []byte) bool {
	line = bytes.TrimLeft(line, ">")
	return bytes.HasPrefix(line, []byte("From "))
}
