// Package migratetest writes export files of other list servers for the
// importers' tests, the way those systems write them: a roster of people
// and a history of posts in threads, some with attachments, as an mbox
// (Mailman 2's NAME.mbox, a HyperKitty download, a Google Takeout mbox,
// groups.io's messages.mbox inside messages.zip) and member CSVs.
//
// The roster is the one of testdata/make_mailman2_config.py, so every
// format carries the same people: 100 members, 1-80 receiving each post
// and 81-100 a digest, every tenth of 1-80 with delivery disabled,
// member 1 an owner, member 2 a moderator, and owner@example.org an owner
// who is not a member.
package migratetest

import (
	"archive/zip"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// Member is one person of the fixture roster.
type Member struct {
	Address, Name, Role, Mode string
}

// Roster is the fixture's people, as minyan should hold them.
func Roster() []Member {
	var out []Member
	for i := 1; i <= 100; i++ {
		m := Member{Address: fmt.Sprintf("member%03d@example.org", i), Name: fmt.Sprintf("Member %d", i), Role: "member", Mode: "each"}
		if i == 5 {
			m.Name = "Zoë Five"
		}
		if i > 80 {
			m.Mode = "digest"
		} else if i%10 == 0 {
			m.Mode = "nomail"
		}
		switch i {
		case 1:
			m.Role = "owner"
		case 2:
			m.Role = "moderator"
		}
		out = append(out, m)
	}
	return append(out, Member{Address: "owner@example.org", Role: "owner", Mode: "nomail"})
}

// Post is one message of the fixture history.
type Post struct {
	N         int // 1-based, in date order
	Thread    int // 0-based thread number
	MessageID string
	InReplyTo string // "" for a thread's first post
	Subject   string
	From      Member
	Date      time.Time
	// Attachment names a file attached to the post ("" for none).
	Attachment string
	Body       string
}

// Word is the made-up word only thread t's first post contains, for
// search checks (letters only, so every tokenizer keeps it whole).
func Word(t int) string {
	var b strings.Builder
	b.WriteString("zq")
	for i := 0; i < 4; i++ {
		b.WriteByte(byte('a' + t%26))
		t /= 26
	}
	return b.String()
}

// History makes posts in threads (the first post of a thread, then
// replies), deterministic for a seed: threads of 1 to 9 posts, dates an
// hour apart from 2019-01-01, every seventh post with an attachment.
func History(posts int, seed uint64) (all []Post, threads int) {
	r := rand.New(rand.NewPCG(seed, 1))
	roster := Roster()[:100]
	start := time.Date(2019, 1, 1, 9, 0, 0, 0, time.UTC)
	type open struct {
		root, subject string
		left          int
	}
	var live []open
	threadOf := map[string]int{}
	for n := 1; n <= posts; n++ {
		p := Post{N: n, From: roster[r.IntN(len(roster))], Date: start.Add(time.Duration(n) * time.Hour)}
		p.MessageID = fmt.Sprintf("post%05d.%d@old.example.org", n, seed)
		if len(live) == 0 || r.IntN(4) == 0 {
			p.Thread = threads
			threads++
			p.Subject = fmt.Sprintf("Chapter %d of the reading", p.Thread)
			p.Body = fmt.Sprintf("Shall we talk about %s in chapter %d?\n", Word(p.Thread), p.Thread)
			live = append(live, open{root: p.MessageID, subject: p.Subject, left: r.IntN(9)})
			threadOf[p.MessageID] = p.Thread
		} else {
			i := r.IntN(len(live))
			t := &live[i]
			p.InReplyTo, p.Subject = t.root, "Re: "+t.subject
			p.Thread = threadOf[t.root]
			p.Body = fmt.Sprintf("Reply %d: I agree with what was said.\n", n)
			t.left--
			if t.left <= 0 {
				live = append(live[:i], live[i+1:]...)
			}
		}
		if n%7 == 0 {
			p.Attachment = fmt.Sprintf("notes-%d.pdf", n)
		}
		all = append(all, p)
	}
	return all, threads
}

// Extra is a header a format adds to each post.
type Extra func(p Post) string

// GoogleHeaders are what a Takeout mbox adds: Gmail labels and thread id.
func GoogleHeaders(list string) Extra {
	return func(p Post) string {
		return fmt.Sprintf("X-GM-THRID: %d\r\nX-Gmail-Labels: Group: %s\r\nList-ID: <%s.googlegroups.com>\r\nMailing-list: list %s@googlegroups.com; contact %s+owners@googlegroups.com\r\n",
			1650000000000000000+p.Thread, list, list, list, list)
	}
}

// GroupsIOHeaders are what groups.io adds to its posts.
func GroupsIOHeaders(list string) Extra {
	return func(p Post) string {
		return fmt.Sprintf("List-Id: <%s.groups.io>\r\nX-Groupsio-Msgnum: %d\r\n", list, p.N)
	}
}

// MailmanHeaders are what Mailman adds (2 and 3 alike).
func MailmanHeaders(list, domain string) Extra {
	return func(p Post) string {
		return fmt.Sprintf("List-Id: %s <%s.%s>\r\nX-BeenThere: %s@%s\r\n", list, list, domain, list, domain)
	}
}

// Message is a post as the list distributed it, CRLF line ends.
func Message(p Post, extra Extra) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mimeName(p.From), p.From.Address)
	fmt.Fprintf(&b, "Subject: %s\r\n", p.Subject)
	fmt.Fprintf(&b, "Date: %s\r\n", p.Date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", p.MessageID)
	if p.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", p.InReplyTo, p.InReplyTo)
	}
	if extra != nil {
		b.WriteString(extra(p))
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	body := strings.ReplaceAll(p.Body, "\n", "\r\n")
	if p.Attachment == "" {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(body)
		return b.String()
	}
	const boundary = "==attachment-boundary=="
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", boundary, body)
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% notes of post " + fmt.Sprint(p.N) + "\n%%EOF\n"))
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/pdf; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", boundary, p.Attachment, p.Attachment, pdf)
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.String()
}

// mimeName encodes a display name for a From header.
func mimeName(m Member) string {
	for _, r := range m.Name {
		if r > 127 {
			return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(m.Name)) + "?="
		}
	}
	return `"` + m.Name + `"`
}

// WriteMbox writes posts as an mbox (From_ lines, ">From " quoting, LF
// line ends), in the given order.
func WriteMbox(w io.Writer, posts []Post, extra Extra) error {
	for _, p := range posts {
		msg := strings.ReplaceAll(Message(p, extra), "\r\n", "\n")
		var b strings.Builder
		fmt.Fprintf(&b, "From %s %s\n", p.From.Address, p.Date.UTC().Format(time.ANSIC))
		for _, line := range strings.SplitAfter(msg, "\n") {
			if strings.HasPrefix(strings.TrimLeft(line, ">"), "From ") {
				b.WriteString(">")
			}
			b.WriteString(line)
		}
		if !strings.HasSuffix(msg, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// Shuffled is posts in a random (seeded) order, as a Takeout holds them.
func Shuffled(posts []Post, seed uint64) []Post {
	out := append([]Post(nil), posts...)
	r := rand.New(rand.NewPCG(seed, 2))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// WriteGoogleCSV writes Google Groups' member export.
func WriteGoogleCSV(w io.Writer, roster []Member) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"Email address", "Nickname", "Group status", "Email status", "Email preference", "Posting permissions",
		"Join year", "Join month", "Join day", "Join hour", "Join minute", "Join second", "Time zone"})
	for i, m := range roster {
		status := map[string]string{"owner": "owner", "moderator": "manager", "member": "member"}[m.Role]
		pref := map[string]string{"each": "email", "digest": "digest", "nomail": "no email"}[m.Mode]
		cw.Write([]string{m.Address, m.Name, status, "member", pref, "allowed",
			"2018", fmt.Sprint(1 + i%12), fmt.Sprint(1 + i%28), "10", "30", "0", "Coordinated Universal Time"})
	}
	// A banned address is in the export but not a member.
	cw.Write([]string{"spammer@example.net", "", "member", "member", "email", "banned", "2018", "5", "5", "10", "30", "0", "Coordinated Universal Time"})
	cw.Flush()
	return cw.Error()
}

// WriteGroupsIOCSV writes groups.io's member download.
func WriteGroupsIOCSV(w io.Writer, roster []Member) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"Email", "Name", "Display Name", "Username", "User ID", "Joined", "Role", "Status", "Email Delivery", "Message Selection", "Posting Privilege", "Moderation"})
	for i, m := range roster {
		role := map[string]string{"owner": "Owner", "moderator": "Moderator", "member": "Member"}[m.Role]
		delivery := map[string]string{"each": "Individual Messages", "digest": "Full Featured Digest", "nomail": "No Email"}[m.Mode]
		cw.Write([]string{m.Address, m.Name, m.Name, fmt.Sprintf("user%d", i), fmt.Sprint(100000 + i), "2018-06-01 10:30:00", role, "Approved", delivery, "All Messages", "Allowed", "Unmoderated"})
	}
	cw.Write([]string{"pending@example.net", "", "", "", "999999", "2018-06-01 10:30:00", "Member", "Not Confirmed", "Individual Messages", "All Messages", "Allowed", "Unmoderated"})
	cw.Flush()
	return cw.Error()
}

// WriteGroupsIOZip writes groups.io's messages.zip: messages.mbox inside.
func WriteGroupsIOZip(w io.Writer, posts []Post, list string) error {
	zw := zip.NewWriter(w)
	f, err := zw.Create("messages.mbox")
	if err != nil {
		return err
	}
	if err := WriteMbox(f, posts, GroupsIOHeaders(list)); err != nil {
		return err
	}
	return zw.Close()
}
