package imapd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"

	"minyan/store"
)

// searchChunk is how many messages SEARCH examines per read transaction.
const searchChunk = 4096

// Search answers SEARCH and UID SEARCH: it streams through the selected
// mailbox's metadata (see the package doc) and keeps only the result.
func (s *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, o *imap.SearchOptions) (_ *imap.SearchData, err error) {
	defer func() { err = internal(err) }()
	v, err := s.selected()
	if err != nil {
		return nil, err
	}
	data := &imap.SearchData{}
	var seqs imap.SeqSet
	var uids imap.UIDSet
	if v.box != nil {
		if err := s.search(v, criteria, func(seq uint32, uid imap.UID) {
			uids.AddNum(uid)
			num := seq
			if kind == imapserver.NumKindUID {
				num = uint32(uid)
			} else {
				seqs.AddNum(seq)
			}
			if data.Min == 0 || num < data.Min {
				data.Min = num
			}
			data.Max = max(data.Max, num)
			data.Count++
		}); err != nil {
			return nil, err
		}
	}
	if kind == imapserver.NumKindUID {
		data.All = uids
	} else {
		data.All = seqs
	}
	if o.ReturnSave {
		v.searchRes = uids
	}
	return data, nil
}

// search calls hit for each message of v matching c, in order.
func (s *session) search(v *view, c *imap.SearchCriteria, hit func(uint32, imap.UID)) error {
	b := v.box
	b.mu.Lock()
	if !b.loaded || b.uidValidity != v.uidValidity {
		b.mu.Unlock()
		return s.gone(v)
	}
	known := min(v.known, b.count)
	lastUID := uint32(0)
	if known > 0 {
		lastUID = b.uidOfLocked(known)
	}
	b.mu.Unlock()
	c = staticCriteria(c, known, lastUID, v.searchRes)

	// Narrow the scan by the top-level sequence and UID sets; everything
	// else is checked message by message.
	var narrow imap.NumSet = imap.SeqSet{{Start: 1, Stop: max(known, 1)}}
	if len(c.UID) > 0 {
		narrow = c.UID[0]
	} else if len(c.SeqNum) > 0 {
		narrow = c.SeqNum[0]
	}
	spans, err := b.spans(v.uidValidity, known, narrow)
	if errors.Is(err, errGone) {
		return s.gone(v)
	}
	if err != nil {
		return err
	}
	for _, sp := range spans {
		for from := sp.uid; from < sp.uid+sp.n; from += searchChunk {
			to := min(from+searchChunk-1, sp.uid+sp.n-1)
			err := s.srv.st.View(func(tx *store.Tx) error {
				l, err := tx.List(v.name)
				if err != nil || l.UIDValidity != v.uidValidity {
					return errGone
				}
				return tx.ScanArchive(v.name, uint64(from), uint64(to), func(it *store.ArchiveItem) error {
					uid := uint32(it.Seq)
					m := &candidate{item: it, seq: sp.seq + (uid - sp.uid), uid: imap.UID(uid)}
					ok, err := m.match(c)
					if err != nil {
						return err
					}
					if ok {
						hit(m.seq, m.uid)
					}
					return nil
				})
			})
			if errors.Is(err, errGone) || errors.Is(err, store.ErrNotFound) {
				return s.gone(v)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// staticCriteria resolves "*" (0 in go-imap's number sets) and "$" in c
// and its nested criteria, for a client that knows `known` messages.
func staticCriteria(c *imap.SearchCriteria, known, lastUID uint32, saved imap.UIDSet) *imap.SearchCriteria {
	out := *c
	out.SeqNum = nil
	out.UID = nil
	for _, set := range c.SeqNum {
		out.SeqNum = append(out.SeqNum, staticSet(set, known).(imap.SeqSet))
	}
	for _, set := range c.UID {
		if imap.IsSearchRes(set) {
			out.UID = append(out.UID, append(imap.UIDSet(nil), saved...))
			continue
		}
		out.UID = append(out.UID, staticSet(set, lastUID).(imap.UIDSet))
	}
	out.Not = nil
	for i := range c.Not {
		out.Not = append(out.Not, *staticCriteria(&c.Not[i], known, lastUID, saved))
	}
	out.Or = nil
	for i := range c.Or {
		out.Or = append(out.Or, [2]imap.SearchCriteria{
			*staticCriteria(&c.Or[i][0], known, lastUID, saved),
			*staticCriteria(&c.Or[i][1], known, lastUID, saved),
		})
	}
	return &out
}

// staticSet replaces "*" by max and orders each range.
func staticSet(set imap.NumSet, maxNum uint32) imap.NumSet {
	fix := func(lo, hi uint32) (uint32, uint32) {
		if lo == 0 {
			lo = maxNum
		}
		if hi == 0 {
			hi = maxNum
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		return lo, hi
	}
	switch set := set.(type) {
	case imap.SeqSet:
		out := make(imap.SeqSet, 0, len(set))
		for _, r := range set {
			lo, hi := fix(r.Start, r.Stop)
			out = append(out, imap.SeqRange{Start: lo, Stop: hi})
		}
		return out
	case imap.UIDSet:
		out := make(imap.UIDSet, 0, len(set))
		for _, r := range set {
			lo, hi := fix(uint32(r.Start), uint32(r.Stop))
			out = append(out, imap.UIDRange{Start: imap.UID(lo), Stop: imap.UID(hi)})
		}
		return out
	}
	return set
}

// candidate is one message being matched; its metadata, header and
// parsed body are read at most once, and only when a key needs them.
type candidate struct {
	item *store.ArchiveItem
	seq  uint32
	uid  imap.UID

	meta    *store.ArchiveMeta
	header  *textproto.Header
	bodyTxt *string
}

func (m *candidate) getMeta() (*store.ArchiveMeta, error) {
	if m.meta == nil {
		meta, err := m.item.Meta()
		if err != nil {
			return nil, err
		}
		m.meta = &meta
	}
	return m.meta, nil
}

func (m *candidate) getHeader() *textproto.Header {
	if m.header == nil {
		h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(headerOf(m.item.Raw()))))
		m.header = &h
	}
	return m.header
}

// match evaluates c (all of its keys must hold).
func (m *candidate) match(c *imap.SearchCriteria) (bool, error) {
	for _, set := range c.SeqNum {
		if !set.Contains(m.seq) {
			return false, nil
		}
	}
	for _, set := range c.UID {
		if !set.Contains(m.uid) {
			return false, nil
		}
	}
	for _, f := range c.Flag {
		if !hasFlag(f) {
			return false, nil
		}
	}
	for _, f := range c.NotFlag {
		if hasFlag(f) {
			return false, nil
		}
	}
	if !c.Since.IsZero() || !c.Before.IsZero() || !c.SentSince.IsZero() || !c.SentBefore.IsZero() ||
		c.Larger != 0 || c.Smaller != 0 {
		meta, err := m.getMeta()
		if err != nil {
			return false, err
		}
		if !inDates(meta.Archived, c.Since, c.Before) {
			return false, nil
		}
		if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
			if meta.Date.IsZero() || !inDates(meta.Date, c.SentSince, c.SentBefore) {
				return false, nil
			}
		}
		if c.Larger != 0 && int64(meta.Size) <= c.Larger {
			return false, nil
		}
		if c.Smaller != 0 && int64(meta.Size) >= c.Smaller {
			return false, nil
		}
	}
	for _, h := range c.Header {
		ok, err := m.matchHeader(h.Key, h.Value)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, text := range c.Body {
		if !m.matchBody(text) {
			return false, nil
		}
	}
	for _, text := range c.Text {
		if !m.matchHeaderText(text) && !m.matchBody(text) {
			return false, nil
		}
	}
	for i := range c.Not {
		ok, err := m.match(&c.Not[i])
		if err != nil || ok {
			return false, err
		}
	}
	for i := range c.Or {
		a, err := m.match(&c.Or[i][0])
		if err != nil {
			return false, err
		}
		if a {
			continue
		}
		b, err := m.match(&c.Or[i][1])
		if err != nil || !b {
			return false, err
		}
	}
	return true, nil
}

// hasFlag: every archived message is \Seen and has no other flag.
func hasFlag(f imap.Flag) bool { return strings.EqualFold(string(f), string(imap.FlagSeen)) }

// inDates compares dates only (RFC 3501 6.4.4: time and zone ignored),
// in t's own zone.
func inDates(t, since, before time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if !since.IsZero() && d.Before(since) {
		return false
	}
	if !before.IsZero() && !d.Before(before) {
		return false
	}
	return true
}

// contains is the case-insensitive substring test of SEARCH.
func contains(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// matchHeader is HEADER/FROM/SUBJECT/TO/CC/BCC. From and Subject are
// answered from the archive metadata (decoded, and for posts rewritten
// for DMARC the original author); other fields from the raw header.
func (m *candidate) matchHeader(key, value string) (bool, error) {
	switch strings.ToLower(key) {
	case "from":
		meta, err := m.getMeta()
		if err != nil {
			return false, err
		}
		if value == "" {
			return meta.From != "", nil
		}
		return contains(meta.FromName+" <"+meta.From+">", value), nil
	case "subject":
		meta, err := m.getMeta()
		if err != nil {
			return false, err
		}
		if value == "" {
			return m.getHeader().Has("Subject"), nil
		}
		return contains(meta.Subject, value), nil
	}
	h := m.getHeader()
	if value == "" {
		return h.Has(key), nil
	}
	for _, v := range h.Values(key) {
		if contains(decodeHeader(v), value) {
			return true, nil
		}
	}
	return false, nil
}

// matchHeaderText looks for text in every header field (TEXT).
func (m *candidate) matchHeaderText(text string) bool {
	for f := m.getHeader().Fields(); f.Next(); {
		if contains(decodeHeader(f.Value()), text) {
			return true
		}
	}
	return false
}

// matchBody looks for text in the decoded text parts of the body.
func (m *candidate) matchBody(text string) bool {
	if m.bodyTxt == nil {
		var b strings.Builder
		e, err := gomessage.Read(bytes.NewReader(m.item.Raw()))
		if e != nil && (err == nil || gomessage.IsUnknownCharset(err) || gomessage.IsUnknownEncoding(err)) {
			collectText(e, &b, 0)
		}
		s := strings.ToLower(b.String())
		m.bodyTxt = &s
	}
	return strings.Contains(*m.bodyTxt, strings.ToLower(text))
}

// collectText appends the decoded text of e's text parts (and of
// attached messages) to b.
func collectText(e *gomessage.Entity, b *strings.Builder, depth int) {
	if depth > 20 {
		return
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			collectText(p, b, depth+1)
		}
	}
	t, _, _ := e.Header.ContentType()
	switch {
	case t == "" || strings.HasPrefix(t, "text/"):
		io.Copy(b, io.LimitReader(e.Body, 64<<20))
		b.WriteByte('\n')
	case t == "message/rfc822" || t == "message/global":
		if inner, err := gomessage.Read(e.Body); inner != nil && err == nil {
			for f := inner.Header.Fields(); f.Next(); {
				b.WriteString(decodeHeader(f.Value()) + "\n")
			}
			collectText(inner, b, depth+1)
		}
	}
}

// headerDecoder decodes RFC 2047 words in any charset go-message knows.
var headerDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeHeader decodes a header value, keeping it raw when it cannot.
func decodeHeader(v string) string {
	d, err := headerDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}
