package listserv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"

	"minyan/store"
)

// Importing an existing list's history (`minyan archive import LIST
// FILE.mbox`), so members find the old posts in the same archive.
//
// The file is read twice. The first pass finds every message with its
// position and date and keeps only that (tens of bytes per message). The
// messages are then sorted by date, stably: by their Date header, else
// (no Date, an unreadable one, or one after the import) the date of their
// From_ line, else the date of the message before them in the file, else
// the time of the import. The Date header comes first because From_
// lines are not always when the post was sent: Python's mailbox module,
// for one, writes the day of the export there. The second pass reads them
// in that order, in batches of ImportBatch messages per transaction, and
// archives each as it is (no subject tag, footer or other list rewriting)
// with its metadata read from its own header and that date as its
// INTERNALDATE. So a Google takeout, whose messages come in no particular
// order, gets UIDs in date order. Imported posts follow the ones already
// archived: UIDs only grow.
//
// A message whose Message-ID is already in the archive (or earlier in the
// file) is skipped as a duplicate, so of two copies in the file the
// earlier dated one is kept (the first in the file when their dates are
// equal); messages without a Message-ID are recognised by a digest of
// their bytes. Importing a file twice, or an
// export of the same archive, therefore adds nothing, and `archive export`
// of an imported archive re-imports to an identical one.

// ImportBatch is how many messages go into one transaction.
const ImportBatch = 500

// importBatchBytes bounds the message bytes held for one transaction.
const importBatchBytes = 32 << 20

// ImportOptions steer ImportArchive.
type ImportOptions struct {
	// Progress, if set, is told how far each phase got: "scan" counts bytes
	// of the file, "import" counts messages.
	Progress func(phase string, done, total int64)
	// Unreadable, if set, hears about each message that cannot be
	// archived, in file order, during the scan.
	Unreadable func(ImportProblem)
	// BatchSize overrides ImportBatch (tests).
	BatchSize int
}

// ImportProblem is a message that could not be archived, with where it
// starts in the file.
type ImportProblem struct {
	Line   int
	Offset int64
	Reason string
}

// ImportResult counts what an import did.
type ImportResult struct {
	Imported   int
	Duplicates int
	Unreadable []ImportProblem
	// FirstSeq and LastSeq are the sequence numbers (IMAP UIDs) of the
	// first and last imported message; 0 when nothing was imported.
	FirstSeq, LastSeq uint64
}

// mboxEntry is what the first pass keeps of one message.
type mboxEntry struct {
	off, end int64
	date     time.Time // sort key and INTERNALDATE
}

// ImportArchive imports the mbox file r (size bytes) into list's archive.
// It stops at the first store error or when ctx ends; batches committed
// before that stay imported (a second run skips them as duplicates).
func (s *Service) ImportArchive(ctx context.Context, list string, r io.ReaderAt, size int64, o ImportOptions) (ImportResult, error) {
	var res ImportResult
	l, err := s.GetList(list)
	if err != nil {
		return res, err
	}
	limit := l.Settings.MaxMessageBytes
	if limit <= 0 {
		limit = s.o.Defaults.MaxMessageBytes
	}
	batch := o.BatchSize
	if batch <= 0 {
		batch = ImportBatch
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string, int64, int64) {}
	}

	entries, problems, err := scanMbox(ctx, r, size, int(limit), s.clock.Now(), progress, o.Unreadable)
	res.Unreadable = problems
	if err != nil {
		return res, err
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].date.Before(entries[j].date) })

	progress("import", 0, int64(len(entries)))
	reread := NewMboxReader(nil, int(limit))
	seenIDs := map[string]bool{}
	seenDigests := map[string]bool{}
	done := 0
	for start := 0; start < len(entries); {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		var items []importItem
		bytesHeld := 0
		for start < len(entries) && len(items) < batch && bytesHeld < importBatchBytes {
			e := entries[start]
			start++
			reread.reset(io.NewSectionReader(r, e.off, e.end-e.off))
			m, err := reread.Next()
			if err != nil {
				return res, fmt.Errorf("read the message at byte %d again: %w", e.off, err)
			}
			if m.Raw == nil {
				return res, fmt.Errorf("the message at byte %d changed while importing (%s)", e.off, m.Problem)
			}
			it := importItem{raw: m.Raw, meta: archiveMetaOf(m.Raw)}
			it.meta.Archived = e.date
			if it.meta.Archived.IsZero() {
				it.meta.Archived = s.clock.Now().UTC().Truncate(time.Second)
			}
			if it.meta.MessageID == "" {
				sum := sha256.Sum256(m.Raw)
				it.digest = sum[:16]
			}
			items = append(items, it)
			bytesHeld += len(m.Raw)
		}
		err := s.st.Update(func(tx *store.Tx) error {
			var last uint64
			for i := range items {
				it := &items[i]
				it.seq, it.dup = 0, false
				if id := strings.ToLower(it.meta.MessageID); id != "" {
					it.dup = seenIDs[id] || tx.ArchiveSeqByMessageID(list, id) != 0
				} else {
					it.dup = seenDigests[string(it.digest)] || tx.ArchiveSeqByDigest(list, it.digest) != 0
				}
				if it.dup {
					continue
				}
				seq, err := tx.Archive(list, it.meta, it.raw)
				if err != nil {
					return err
				}
				if it.digest != nil {
					if err := tx.PutArchiveDigest(list, it.digest, seq); err != nil {
						return err
					}
				}
				it.seq, last = seq, seq
				// Within a transaction later items see earlier ones through
				// the seen sets (the store index is updated too, but the
				// sets also cover duplicates inside one batch cheaply).
				if it.digest != nil {
					seenDigests[string(it.digest)] = true
				} else {
					seenIDs[strings.ToLower(it.meta.MessageID)] = true
				}
			}
			if last != 0 {
				tx.OnCommit(func() { s.events.archived(list, last) })
			}
			return nil
		})
		if err != nil {
			// The sets may name messages of the rolled-back batch; they
			// are only consulted for this run, which ends here.
			return res, notFoundText(err, "no list named "+list)
		}
		for _, it := range items {
			switch {
			case it.dup:
				res.Duplicates++
			case it.seq != 0:
				res.Imported++
				if res.FirstSeq == 0 {
					res.FirstSeq = it.seq
				}
				res.LastSeq = it.seq
			}
		}
		done += len(items)
		progress("import", int64(done), int64(len(entries)))
	}
	return res, nil
}

// importItem is one message of a batch being imported.
type importItem struct {
	raw    []byte
	meta   store.ArchiveMeta
	digest []byte
	seq    uint64
	dup    bool
}

// scanMbox is the first pass: positions and dates of the readable
// messages, and the unreadable ones with their positions. now is the
// time of the import: a Date header after it is not believed.
func scanMbox(ctx context.Context, r io.ReaderAt, size int64, limit int, now time.Time, progress func(string, int64, int64), report func(ImportProblem)) ([]mboxEntry, []ImportProblem, error) {
	var (
		entries  []mboxEntry
		problems []ImportProblem
		prev     time.Time
	)
	progress("scan", 0, size)
	mr := NewMboxReader(io.NewSectionReader(r, 0, size), limit)
	for n := 0; ; n++ {
		m, err := mr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, problems, fmt.Errorf("read the mbox file: %w", err)
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, problems, err
			}
			progress("scan", m.End, size)
		}
		if m.Problem != "" {
			p := ImportProblem{Line: m.Line, Offset: m.Offset, Reason: m.Problem}
			problems = append(problems, p)
			if report != nil {
				report(p)
			}
			continue
		}
		date := headerDate(m.Raw)
		if date.IsZero() || date.After(now) {
			date = m.Date // the From_ line
		}
		if date.IsZero() {
			date = prev
		}
		date = date.UTC().Truncate(time.Second)
		prev = date
		entries = append(entries, mboxEntry{off: m.Offset, end: m.End, date: date})
	}
	progress("scan", size, size)
	return entries, problems, nil
}

// readHeader parses a message's header leniently: a malformed field ends
// the header but keeps the fields before it (old archives hold junk).
func readHeader(raw []byte) textproto.Header {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	} else {
		end += 4
	}
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw[:end])))
	return h
}

// headerDate is the message's Date header, zero if it has none.
func headerDate(raw []byte) time.Time {
	h := readHeader(raw)
	if t, err := mail.ParseDate(h.Get("Date")); err == nil {
		return t
	}
	return time.Time{}
}

// obfuscatedRE matches pipermail's "alice at example.org (Alice Liddell)".
var obfuscatedRE = regexp.MustCompile(`^\s*([^\s@()<>]+) at ([^\s@()<>]+\.[^\s@()<>]+)\s*(?:\((.*)\))?\s*$`)

// bareAddrRE finds something address-like in a From field nothing else
// could parse.
var bareAddrRE = regexp.MustCompile(`[^\s<>()",;:@]+@[^\s<>()",;:@]+\.[^\s<>()",;:@]+`)

// wordDecoder decodes RFC 2047 words in every charset go-message knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// idRE finds the <...> ids of Message-ID, In-Reply-To and References.
var idRE = regexp.MustCompile(`<([^<>]*)>`)

// archiveMetaOf reads the metadata the archive keeps (see
// store.ArchiveMeta) from a message's own header, as distribute does for
// posts, but leniently: imported history is archived even when its
// header is sloppy.
func archiveMetaOf(raw []byte) store.ArchiveMeta {
	h := readHeader(raw)
	var m store.ArchiveMeta
	if from := h.Get("From"); from != "" {
		p := mail.AddressParser{WordDecoder: wordDecoder}
		if addrs, err := p.ParseList(from); err == nil && len(addrs) > 0 {
			m.From, m.FromName = NormalizeAddress(addrs[0].Address), addrs[0].Name
		} else if sm := obfuscatedRE.FindStringSubmatch(from); sm != nil {
			m.From, m.FromName = NormalizeAddress(sm[1]+"@"+sm[2]), decodeWords(sm[3])
		} else if a := bareAddrRE.FindString(from); a != "" {
			m.From = NormalizeAddress(a)
		}
	}
	m.Subject = decodeWords(h.Get("Subject"))
	if ids := messageIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	if ids := messageIDs(h.Get("In-Reply-To")); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = messageIDs(h.Get("References"))
	if t, err := mail.ParseDate(h.Get("Date")); err == nil {
		m.Date = t
	}
	return m
}

// decodeWords decodes RFC 2047 words, keeping the raw text when a word is
// malformed or in an unknown charset.
func decodeWords(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

// messageIDs extracts ids without angle brackets, leniently (whitespace
// inside brackets dropped; a bare id without brackets taken whole).
func messageIDs(v string) []string {
	var ids []string
	for _, sm := range idRE.FindAllStringSubmatch(v, -1) {
		if id := strings.Join(strings.Fields(sm[1]), ""); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		if v = strings.TrimSpace(v); v != "" && !strings.ContainsAny(v, " \t<>") {
			ids = append(ids, v)
		}
	}
	return ids
}
