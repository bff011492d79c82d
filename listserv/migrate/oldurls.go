package migrate

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"

	"minyan/listserv"
)

// How each system named its archive pages, so old links can be mapped to
// the imported posts (see docs/import.md):
//
//   - Mailman 2 (pipermail): BASE/YYYY-Month/NNNNNN.html, NNNNNN counting
//     every archived message from 000000 in the order of the list's
//     mbox, the month that of the message's Date (else of its From_
//     line), as pipermail numbers them when it rebuilds the archive from
//     that mbox;
//   - Mailman 3 (HyperKitty): BASE/message/HASH/ and BASE/thread/HASH/,
//     HASH the base32 of the SHA-1 of the Message-ID (without <>), of
//     the message, or of the thread's first message;
//   - Google Groups: BASE/c/THREAD (and BASE/c/THREAD/m/MESSAGE, which
//     falls back to the thread), THREAD the X-GM-THRID of the Takeout
//     message;
//   - groups.io: BASE/message/N, N counting messages from 1 in the order
//     of messages.mbox.

// mboxScanLimit bounds one message while computing URLs; larger ones are
// skipped by the archive import anyway.
const mboxScanLimit = 64 << 20

// OldURLs computes the old page of every message of an mbox.
func OldURLs(f Format, base string, r io.ReaderAt, size int64) ([]listserv.OldURL, error) {
	mr := listserv.NewMboxReader(io.NewSectionReader(r, 0, size), mboxScanLimit)
	var out []listserv.OldURL
	for n := 0; ; n++ {
		m, err := mr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the mbox: %w", err)
		}
		if m.Raw == nil {
			continue // counted (n), never archived
		}
		h := headerOf(m.Raw)
		id := bareID(h.Get("Message-Id"))
		ref := listserv.OldURL{MessageID: id}
		if id == "" {
			ref.Digest = digestOf(m.Raw)
		}
		add := func(path string, who listserv.OldURL) {
			who.Path = path
			out = append(out, who)
		}
		switch f {
		case FormatMailman2:
			date, err := mail.ParseDate(h.Get("Date"))
			if err != nil {
				date = m.Date
			}
			if date.IsZero() {
				continue
			}
			add(fmt.Sprintf("%s/%d-%s/%06d.html", base, date.Year(), date.Month(), n), ref)
		case FormatMailman3:
			if id == "" {
				continue
			}
			add(base+"/message/"+HyperKittyHash(id)+"/", ref)
			root := threadRoot(h, id)
			add(base+"/thread/"+HyperKittyHash(root)+"/", listserv.OldURL{MessageID: root})
		case FormatGoogleGroups:
			if t := strings.TrimSpace(h.Get("X-Gm-Thrid")); t != "" {
				add(base+"/c/"+t, ref)
			}
		case FormatGroupsIO:
			add(base+"/message/"+strconv.Itoa(n+1), ref)
		}
	}
}

// HyperKittyHash is the id HyperKitty gives a message in its URLs: the
// base32 of the SHA-1 of its Message-ID without angle brackets.
func HyperKittyHash(msgid string) string {
	sum := sha1.Sum([]byte(msgid))
	return base32.StdEncoding.EncodeToString(sum[:])
}

// threadRoot is the Message-ID of the first message of the thread: the
// first of References, else In-Reply-To, else the message itself.
func threadRoot(h mail.Header, self string) string {
	if refs := strings.Fields(h.Get("References")); len(refs) > 0 {
		if id := bareID(refs[0]); id != "" {
			return id
		}
	}
	if id := bareID(h.Get("In-Reply-To")); id != "" {
		return id
	}
	return self
}

// headerOf parses a message's header leniently (an empty header when it
// cannot be read).
func headerOf(raw []byte) mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// bareID is the first <id> of a header value without brackets.
func bareID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.Join(strings.Fields(v[i+1:i+j]), "")
		}
	}
	if v != "" && !strings.ContainsAny(v, " \t<>") {
		return v
	}
	return ""
}

// ListNameFromMbox is the list's name from the List-Id of the first
// readable message: <NAME.googlegroups.com> or <NAME.groups.io> give
// NAME, lowercased.
func ListNameFromMbox(r io.ReaderAt, size int64) (string, error) {
	mr := listserv.NewMboxReader(io.NewSectionReader(r, 0, size), mboxScanLimit)
	for i := 0; i < 10; i++ {
		m, err := mr.Next()
		if err != nil {
			break
		}
		if m.Raw == nil {
			continue
		}
		id := headerOf(m.Raw).Get("List-Id")
		if a := strings.IndexByte(id, '<'); a >= 0 {
			id = id[a+1:]
		}
		id, _, _ = strings.Cut(id, ">")
		if name, _, ok := strings.Cut(strings.TrimSpace(id), "."); ok && name != "" {
			return strings.ToLower(name), nil
		}
	}
	return "", errors.New("no List-Id header tells the list's name")
}
