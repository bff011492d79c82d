package imapd

import (
	"bufio"
	"bytes"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"

	"minyan/store"
)

// Chunks of a FETCH: at most this many messages, or this many bytes of
// message content, are read in one store transaction and then written to
// the client with no transaction open.
const (
	fetchChunk      = 256
	fetchChunkBytes = 8 << 20
)

// fetched is what one message's FETCH response needs, read out of the
// store.
type fetched struct {
	seq      uint32
	uid      imap.UID
	date     time.Time
	size     int64
	envelope *imap.Envelope
	body     imap.BodyStructure
	sections [][]byte
	binary   [][]byte
	binSizes []uint32
}

// Fetch answers FETCH and UID FETCH.
func (s *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, o *imap.FetchOptions) (err error) {
	defer func() { err = internal(err) }()
	v, err := s.selected()
	if err != nil {
		return err
	}
	if v.box == nil {
		return nil // INBOX is empty
	}
	if imap.IsSearchRes(numSet) {
		numSet = v.searchRes
	}
	spans, err := v.box.spans(v.uidValidity, v.known, numSet)
	if errors.Is(err, errGone) {
		return s.gone(v)
	}
	if err != nil {
		return err
	}
	needStore := o.InternalDate || o.RFC822Size || o.Envelope || o.BodyStructure != nil ||
		len(o.BodySection) > 0 || len(o.BinarySection) > 0 || len(o.BinarySectionSize) > 0
	for _, sp := range spans {
		if !needStore {
			for i := uint32(0); i < sp.n; i++ {
				if err := writeFetched(w, &fetched{seq: sp.seq + i, uid: imap.UID(sp.uid + i)}, o); err != nil {
					return err
				}
			}
			continue
		}
		for next := sp.uid; next < sp.uid+sp.n; {
			chunk, last, err := s.readChunk(v, sp, next, o)
			if errors.Is(err, errGone) {
				return s.gone(v)
			}
			if err != nil {
				return err
			}
			for i := range chunk {
				if err := writeFetched(w, &chunk[i], o); err != nil {
					return err
				}
			}
			next = last + 1
		}
	}
	return nil
}

// readChunk reads messages of span sp from UID from on, up to the chunk
// limits, in one read transaction. last is the last UID it covered.
func (s *session) readChunk(v *view, sp span, from uint32, o *imap.FetchOptions) ([]fetched, uint32, error) {
	var out []fetched
	end := sp.uid + sp.n - 1
	last := end
	held := 0
	br := bufio.NewReaderSize(nil, 4096)
	err := s.srv.st.View(func(tx *store.Tx) error {
		l, err := tx.List(v.name)
		if err != nil || l.UIDValidity != v.uidValidity {
			return errGone
		}
		errFull := errors.New("chunk full")
		err = tx.ScanArchive(v.name, uint64(from), uint64(end), func(it *store.ArchiveItem) error {
			uid := uint32(it.Seq)
			if len(out) >= fetchChunk || held >= fetchChunkBytes {
				last = uid - 1
				return errFull
			}
			f := fetched{seq: sp.seq + (uid - sp.uid), uid: imap.UID(uid)}
			raw := it.Raw()
			f.size = int64(len(raw))
			if o.InternalDate {
				m, err := it.Meta()
				if err != nil {
					return err
				}
				f.date = m.Archived
			}
			if o.Envelope {
				br.Reset(bytes.NewReader(headerOf(raw)))
				h, _ := textproto.ReadHeader(br)
				f.envelope = imapserver.ExtractEnvelope(h)
			}
			if o.BodyStructure != nil {
				f.body = bodyStructure(raw)
			}
			for _, sec := range o.BodySection {
				b := imapserver.ExtractBodySection(bytes.NewReader(raw), sec)
				held += len(b)
				f.sections = append(f.sections, b)
			}
			for _, sec := range o.BinarySection {
				b := imapserver.ExtractBinarySection(bytes.NewReader(raw), sec)
				held += len(b)
				f.binary = append(f.binary, b)
			}
			for _, sec := range o.BinarySectionSize {
				f.binSizes = append(f.binSizes, imapserver.ExtractBinarySectionSize(bytes.NewReader(raw), sec))
			}
			out = append(out, f)
			return nil
		})
		if errors.Is(err, errFull) {
			return nil
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		err = errGone
	}
	return out, last, err
}

// bodyStructure is the structure of a raw message as go-imap extracts it,
// with every multipart that has no body parts given one empty text/plain
// part. RFC 3501 requires at least one part and go-imap panics writing a
// multipart without one, which ended the command handler; older versions
// of minyan archived such posts (Parse now refuses them).
func bodyStructure(raw []byte) imap.BodyStructure {
	bs := imapserver.ExtractBodyStructure(bytes.NewReader(raw))
	fillEmptyMultiparts(bs)
	return bs
}

// fillEmptyMultiparts gives each multipart in bs without children one
// empty text/plain part, at any depth (encapsulated messages included).
func fillEmptyMultiparts(bs imap.BodyStructure) {
	switch b := bs.(type) {
	case *imap.BodyStructureMultiPart:
		if len(b.Children) == 0 {
			b.Children = []imap.BodyStructure{&imap.BodyStructureSinglePart{
				Type: "text", Subtype: "plain", Params: map[string]string{"charset": "us-ascii"},
				Encoding: "7bit", Text: &imap.BodyStructureText{},
				Extended: &imap.BodyStructureSinglePartExt{},
			}}
		}
		for _, c := range b.Children {
			fillEmptyMultiparts(c)
		}
	case *imap.BodyStructureSinglePart:
		if b.MessageRFC822 != nil {
			fillEmptyMultiparts(b.MessageRFC822.BodyStructure)
		}
	}
}

// headerOf is the header of a raw message, blank line included.
func headerOf(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+4]
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[:i+2]
	}
	return raw
}

// writeFetched writes one FETCH response.
func writeFetched(w *imapserver.FetchWriter, f *fetched, o *imap.FetchOptions) error {
	m := w.CreateMessage(f.seq)
	m.WriteUID(f.uid)
	if o.Flags {
		m.WriteFlags(flagsAll)
	}
	if o.InternalDate {
		m.WriteInternalDate(f.date)
	}
	if o.RFC822Size {
		m.WriteRFC822Size(f.size)
	}
	if o.Envelope {
		m.WriteEnvelope(f.envelope)
	}
	if o.BodyStructure != nil {
		m.WriteBodyStructure(f.body)
	}
	for i, sec := range o.BodySection {
		if err := writeSection(m.WriteBodySection(sec, int64(len(f.sections[i]))), f.sections[i]); err != nil {
			return err
		}
	}
	for i, sec := range o.BinarySection {
		if err := writeSection(m.WriteBinarySection(sec, int64(len(f.binary[i]))), f.binary[i]); err != nil {
			return err
		}
	}
	for i, sec := range o.BinarySectionSize {
		m.WriteBinarySectionSize(sec, f.binSizes[i])
	}
	return m.Close()
}

// writeSection writes a literal and closes it.
func writeSection(wc interface {
	Write([]byte) (int, error)
	Close() error
}, b []byte) error {
	_, werr := wc.Write(b)
	cerr := wc.Close()
	if werr != nil {
		return werr
	}
	return cerr
}
