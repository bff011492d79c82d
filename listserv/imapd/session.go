package imapd

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"minyan/listserv"
)

// Compile-time checks: an upgrade of go-imap that changes these
// interfaces fails here, not at run time (imapserver panics per
// connection when advertised capabilities lack their methods).
var (
	_ imapserver.Session          = (*session)(nil)
	_ imapserver.SessionIMAP4rev2 = (*session)(nil)
)

// delim is the hierarchy delimiter; list names never contain it.
const delim = '/'

// inbox is the one mailbox that is not a list.
const inbox = "INBOX"

// flagsAll is the flag every archived message has (see the package doc).
var flagsAll = []imap.Flag{imap.FlagSeen}

// session is one IMAP connection.
type session struct {
	srv  *Server
	conn *imapserver.Conn
	ip   string

	addr   string // logged-in person, "" before
	pwHash string // their password hash at login: a new password ends the session
	view   *view  // selected mailbox, nil when none
	guard  guard  // see guard.go
}

// view is a session's selected mailbox. box is nil for INBOX.
type view struct {
	name        string
	box         *mailbox
	uidValidity uint32
	known       uint32 // messages the client has been told about (EXISTS)
	lastUID     uint32 // the highest UID the client has been told about
	redSeen     int    // redactions of the mailbox told to the client (redact.go)
	searchRes   imap.UIDSet
}

func noperm(text string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNoPerm, Text: text}
}

func nonexistent(name string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent,
		Text: fmt.Sprintf("no mailbox named %q", name)}
}

// Why the archive refuses writes, in the words a mail app shows people.
var (
	errReadOnly    = noperm("the list archive is read-only: messages cannot be changed, flagged or deleted")
	errNoAppend    = noperm("the list archive is read-only: to add a message, send it to the list")
	errNoCopy      = noperm("the list archive is read-only: save messages in your own mail account instead")
	errNoMailboxes = noperm("the mailboxes are the lists you may read; they cannot be created, deleted or renamed over IMAP")
)

// Close ends the session.
func (s *session) Close() error { return nil }

// Login checks an address and app password, with the throttle.
func (s *session) Login(username, password string) error {
	s.guard.install(s.conn)
	if strings.Contains(username, tooBigMarker) || strings.Contains(password, tooBigMarker) {
		return errTooBig // not a login attempt: nothing was tried
	}
	addr := listserv.NormalizeAddress(username)
	if len(addr) > 254 { // longer than any address; keeps throttle keys small
		addr = addr[:254]
	}
	keys := []string{"addr:" + addr, "ip:" + s.ip}
	if wait := s.srv.thr.attempt(keys...); wait > 0 {
		s.pause()
		s.srv.log.Info("imap login refused: too many failures", "part", "imap", "ip", s.ip)
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable,
			Text: fmt.Sprintf("too many failed logins for this address or from your network; try again in %s", roundUp(wait))}
	}
	if addr == "" || !s.srv.svc.CheckAppPassword(addr, password) {
		// Already counted by attempt.
		s.pause()
		s.srv.log.Info("imap login failed", "part", "imap", "ip", s.ip)
		return imapserver.ErrAuthFailed
	}
	s.srv.thr.succeeded(keys[0])
	s.srv.thr.refund(keys[1])
	s.addr = addr
	if p, err := s.srv.svc.Person(addr); err == nil {
		s.pwHash = p.PasswordHash
	}
	s.srv.log.Debug("imap login", "part", "imap", "ip", s.ip, "user", addr)
	return nil
}

// pause is the fixed wait before answering a failed or refused login.
func (s *session) pause() {
	if s.srv.failDelay > 0 {
		time.Sleep(s.srv.failDelay)
	}
}

// roundUp writes a wait as whole seconds or minutes.
func roundUp(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d seconds", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
}

// resolve finds the mailbox name for this person: INBOX, or a list they
// may read (else NONEXISTENT, the same answer as for no list at all).
func (s *session) resolve(name string) (string, *mailbox, error) {
	if strings.Contains(name, tooBigMarker) {
		return "", nil, errTooBig
	}
	if strings.EqualFold(name, inbox) {
		return inbox, nil, nil
	}
	l, err := s.srv.svc.ReadableArchive(s.addr, name)
	if errors.Is(err, listserv.ErrNoArchive) {
		return "", nil, nonexistent(name)
	}
	if err != nil {
		return "", nil, err
	}
	return l.Name, s.srv.boxes.get(l.Name), nil
}

// Select opens a mailbox (SELECT and EXAMINE alike; see the package doc).
func (s *session) Select(name string, _ *imap.SelectOptions) (_ *imap.SelectData, err error) {
	defer func() { err = internal(err) }()
	s.guard.install(s.conn)
	s.view = nil
	name, box, err := s.resolve(name)
	if err != nil {
		return nil, err
	}
	data := &imap.SelectData{Flags: flagsAll, PermanentFlags: []imap.Flag{}, UIDNext: 1, UIDValidity: 1}
	v := &view{name: name, box: box, uidValidity: 1}
	if box != nil {
		snap, err := box.refresh(s.srv.st)
		if errors.Is(err, errGone) {
			return nil, nonexistent(name)
		}
		if err != nil {
			return nil, err
		}
		data.NumMessages, data.UIDNext, data.UIDValidity = snap.count, imap.UID(snap.uidNext), snap.uidValidity
		v.uidValidity, v.known = snap.uidValidity, snap.count
		box.mu.Lock()
		v.lastUID, v.redSeen = box.lastUIDLocked(), len(box.redLog)
		box.mu.Unlock()
	}
	s.view = v
	return data, nil
}

// Unselect leaves the mailbox.
func (s *session) Unselect() error {
	s.view = nil
	return nil
}

// List answers LIST and LSUB: INBOX and the readable lists matching.
func (s *session) List(w *imapserver.ListWriter, ref string, patterns []string, o *imap.ListOptions) (err error) {
	defer func() { err = internal(err) }()
	for _, p := range append([]string{ref}, patterns...) {
		if strings.Contains(p, tooBigMarker) {
			return errTooBig
		}
	}
	if len(patterns) == 0 { // LIST "" "": the hierarchy delimiter
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: delim})
	}
	if o.SelectSpecialUse {
		return nil // no special-use mailboxes here
	}
	lists, err := s.srv.svc.ReadableArchives(s.addr)
	if err != nil {
		return err
	}
	names := []string{inbox}
	for _, l := range lists {
		if !strings.EqualFold(l.Name, inbox) {
			names = append(names, l.Name)
		}
	}
	for _, name := range names {
		if !matchAny(name, ref, patterns) {
			continue
		}
		data := &imap.ListData{Mailbox: name, Delim: delim, Attrs: []imap.MailboxAttr{imap.MailboxAttrHasNoChildren}}
		if o.SelectSubscribed || o.ReturnSubscribed {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed) // every mailbox is subscribed
		}
		if o.ReturnStatus != nil {
			if data.Status, err = s.status(name, o.ReturnStatus); err != nil {
				if errors.Is(err, errGone) {
					continue
				}
				return err
			}
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

// matchAny applies LIST patterns; INBOX matches case-insensitively.
func matchAny(name, ref string, patterns []string) bool {
	for _, p := range patterns {
		if imapserver.MatchList(name, delim, ref, p) {
			return true
		}
		if name == inbox && imapserver.MatchList(name, delim, strings.ToUpper(ref), strings.ToUpper(p)) {
			return true
		}
	}
	return false
}

// Status answers STATUS for a mailbox the person may read.
func (s *session) Status(name string, o *imap.StatusOptions) (_ *imap.StatusData, err error) {
	defer func() { err = internal(err) }()
	name, _, err = s.resolve(name)
	if err != nil {
		return nil, err
	}
	data, err := s.status(name, o)
	if errors.Is(err, errGone) {
		return nil, nonexistent(name)
	}
	return data, err
}

// status reads the numbers of a resolved mailbox.
func (s *session) status(name string, o *imap.StatusOptions) (*imap.StatusData, error) {
	zero := uint32(0)
	data := &imap.StatusData{Mailbox: name, UIDNext: 1, UIDValidity: 1}
	var snap snapshot
	var box *mailbox
	if name != inbox {
		box = s.srv.boxes.get(name)
		var err error
		if snap, err = box.refresh(s.srv.st); err != nil {
			return nil, err
		}
		data.UIDNext, data.UIDValidity = imap.UID(snap.uidNext), snap.uidValidity
	}
	if o.NumMessages {
		n := snap.count
		data.NumMessages = &n
	}
	if o.NumUnseen {
		data.NumUnseen = &zero
	}
	if o.NumDeleted {
		data.NumDeleted = &zero
	}
	if o.NumRecent {
		data.NumRecent = &zero
	}
	if o.Size {
		var size int64
		if box != nil {
			var err error
			if size, err = box.size(s.srv.st); err != nil {
				return nil, err
			}
		}
		data.Size = &size
	}
	return data, nil
}

// Namespace: one personal namespace, no others.
func (s *session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: delim}}}, nil
}

// Subscribe succeeds for mailboxes the person may read: they are all
// subscribed already.
func (s *session) Subscribe(name string) (err error) {
	defer func() { err = internal(err) }()
	_, _, err = s.resolve(name)
	return err
}

// Unsubscribe is refused: every readable list is always listed.
func (s *session) Unsubscribe(name string) (err error) {
	defer func() { err = internal(err) }()
	if _, _, err := s.resolve(name); err != nil {
		return err
	}
	return noperm("archive mailboxes are always subscribed; hide the folder in your mail app instead")
}

// Create is refused.
func (s *session) Create(string, *imap.CreateOptions) error { return errNoMailboxes }

// Delete is refused.
func (s *session) Delete(string) error { return errNoMailboxes }

// Rename is refused.
func (s *session) Rename(string, string, *imap.RenameOptions) error { return errNoMailboxes }

// Append is refused.
func (s *session) Append(string, imap.LiteralReader, *imap.AppendOptions) (*imap.AppendData, error) {
	return nil, errNoAppend
}

// Store is refused when it would change a flag: flags are not stored
// (see the package doc). A STORE that changes nothing succeeds, as IMAP
// expects: fetchmail marks each message \Seen after reading it, and
// every archived message already is.
func (s *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, f *imap.StoreFlags, _ *imap.StoreOptions) error {
	if !storeChangesNothing(f) {
		return errReadOnly
	}
	if _, err := s.selected(); err != nil {
		return err
	}
	if f.Silent {
		return nil
	}
	_, isUID := numSet.(imap.UIDSet)
	return s.Fetch(w, numSet, &imap.FetchOptions{Flags: true, UID: isUID})
}

// storeChangesNothing reports whether a STORE leaves every message with
// exactly the flags it has: flagsAll.
func storeChangesNothing(f *imap.StoreFlags) bool {
	isSeen := func(fl imap.Flag) bool { return strings.EqualFold(string(fl), string(imap.FlagSeen)) }
	switch f.Op {
	case imap.StoreFlagsAdd:
		for _, fl := range f.Flags {
			if !isSeen(fl) {
				return false
			}
		}
		return true
	case imap.StoreFlagsDel:
		for _, fl := range f.Flags {
			if isSeen(fl) {
				return false
			}
		}
		return true
	case imap.StoreFlagsSet:
		if len(f.Flags) == 0 {
			return false
		}
		for _, fl := range f.Flags {
			if !isSeen(fl) {
				return false
			}
		}
		return true
	}
	return false
}

// Copy is refused.
func (s *session) Copy(imap.NumSet, string) (*imap.CopyData, error) { return nil, errNoCopy }

// Move is refused.
func (s *session) Move(*imapserver.MoveWriter, imap.NumSet, string) error { return errNoCopy }

// Expunge refuses EXPUNGE and UID EXPUNGE. go-imap also calls it for
// CLOSE, with an ExpungeWriter that has no connection; CLOSE must
// succeed (no message can be \Deleted, so there is nothing to expunge).
func (s *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if uids == nil && isCloseWriter(w) {
		return nil
	}
	return errReadOnly
}

// isCloseWriter tells the ExpungeWriter of CLOSE (no connection) from the
// one of EXPUNGE. go-imap offers no other way; TestCloseSucceeds keeps
// this honest across upgrades.
func isCloseWriter(w *imapserver.ExpungeWriter) bool {
	if w == nil {
		return true
	}
	f := reflect.ValueOf(w).Elem().FieldByName("conn")
	return f.IsValid() && f.Kind() == reflect.Pointer && f.IsNil()
}

// Poll tells the client about new messages after each command.
func (s *session) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	return s.poll(w, false, allowExpunge)
}

// poll sends EXPUNGE for redacted posts (when allowExpunge) and EXISTS if
// the selected mailbox grew; force re-reads the store even without an
// archive event. While the client has not been told about a redaction,
// it is told nothing else either (its numbering would not add up).
func (s *session) poll(w *imapserver.UpdateWriter, force, allowExpunge bool) error {
	v := s.view
	if v == nil || v.box == nil {
		return nil
	}
	if err := s.stillAllowed(v); err != nil {
		return nil // told BYE
	}
	var snap snapshot
	var err error
	if force {
		snap, err = v.box.refresh(s.srv.st)
	} else {
		snap, err = v.box.current(s.srv.st)
	}
	if errors.Is(err, errGone) || (err == nil && snap.uidValidity != v.uidValidity) {
		s.gone(v)
		return nil
	}
	if err != nil {
		return err
	}
	b := v.box
	b.mu.Lock()
	behind := v.redSeen < len(b.redLog)
	b.mu.Unlock()
	if behind {
		if !allowExpunge {
			return nil
		}
		if err := s.expungeRedacted(w, v); err != nil {
			return err
		}
	}
	// The count and last UID as the map holds them now (snap may be
	// older than a redaction another session applied).
	b.mu.Lock()
	if v.redSeen < len(b.redLog) {
		b.mu.Unlock()
		return nil // told at the next poll
	}
	count, last := b.count, b.lastUIDLocked()
	b.mu.Unlock()
	_ = snap
	if count > v.known {
		if err := w.WriteNumMessages(count); err != nil {
			return err
		}
		v.known = count
	}
	v.lastUID = last
	return nil
}

// Idle waits for new posts in the selected mailbox until stop.
func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	v := s.view
	if v == nil || v.box == nil {
		<-stop
		return nil
	}
	for {
		changed := v.box.changed()
		if err := s.poll(w, false, true); err != nil {
			return err
		}
		if s.view == nil {
			<-stop
			return nil
		}
		select {
		case <-changed:
		case <-stop:
			return nil
		}
	}
}

// selected returns the selected view or the error for a mailbox that went
// away under the session, or that the person may no longer read.
func (s *session) selected() (*view, error) {
	if s.view == nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeBad, Text: "no mailbox is selected"}
	}
	if err := s.stillAllowed(s.view); err != nil {
		return nil, err
	}
	return s.view, nil
}

// stillAllowed re-checks, for every FETCH, SEARCH and new-mail update,
// that the person may still read the selected list and that their app
// password was not changed. Mail apps keep a session open for days; a
// member who left (or was removed or banned) must stop seeing posts at
// once, not at their next login.
func (s *session) stillAllowed(v *view) error {
	if v.box == nil {
		return nil // INBOX is empty for everyone
	}
	p, err := s.srv.svc.Person(s.addr)
	if err != nil || p.PasswordHash != s.pwHash {
		return s.revoked("your archive password was changed; please log in again")
	}
	if _, err := s.srv.svc.ReadableArchive(s.addr, v.name); errors.Is(err, listserv.ErrNoArchive) {
		return s.revoked("you may no longer read the archive of " + v.name)
	} else if err != nil {
		return err
	}
	return nil
}

// revoked ends the session with BYE and a reason.
func (s *session) revoked(text string) error {
	s.view = nil
	s.srv.log.Info("imap session ended: access revoked", "part", "imap", "ip", s.ip, "user", s.addr, "why", text)
	s.conn.Bye(text)
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNoPerm, Text: text}
}

// gone ends a session whose selected list was deleted (or deleted and
// created again): its sequence numbers and UIDs mean nothing any more,
// so the client is told BYE and must start over.
func (s *session) gone(v *view) error {
	s.view = nil
	text := fmt.Sprintf("the list %s was deleted", v.name)
	s.conn.Bye(text)
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: text}
}
