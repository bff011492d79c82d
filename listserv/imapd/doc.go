// Package imapd serves the lists' archives over IMAP (go-imap/v2
// imapserver), read-only: a thin adapter between the protocol library and
// listserv (who may read what, app passwords) and store (the archive).
//
// # Mailboxes
//
// A logged-in person sees INBOX, always empty, and one mailbox per list
// whose archive they may read (listserv.CanReadArchive: `public` for any
// logged-in person except on caucus lists, `members`, `owners`, `off`),
// named after the list, hierarchy delimiter "/". A mailbox the person may
// not read does not exist for them: LIST leaves it out and SELECT,
// EXAMINE, STATUS and SUBSCRIBE answer NO [NONEXISTENT] exactly as for a
// name that is no list at all. Rights are read from the store on every
// LIST, STATUS and SELECT, so a removed member loses access at once.
//
// UIDs are the archive's sequence numbers and UIDVALIDITY is the list's
// UIDValidity, fixed when the list was created, so a client's cache stays
// valid for ever. The archive is append-only: the sequence-number to UID
// map of each list is kept in memory as runs of consecutive UIDs (one run
// unless a future admin tool deletes posts), loaded once from the
// metadata keys and extended from the last known UID with one cursor
// seek. Deleting a list is the only way messages disappear; a session
// that has it selected is told BYE on its next command.
//
// # Read-only, and \Seen
//
// Nothing a client does changes the archive. APPEND, COPY, MOVE, STORE,
// EXPUNGE, UID EXPUNGE, CREATE, DELETE, RENAME and UNSUBSCRIBE answer NO
// [NOPERM] with a sentence saying why; CLOSE succeeds (it would expunge
// messages marked \Deleted, and none can be). Flags are not stored per
// person: every archived message carries \Seen (members already got the
// posts by mail; an archive of thousands of "unread" messages helps
// nobody), FLAGS is (\Seen) and PERMANENTFLAGS is empty. EXAMINE answers
// [READ-ONLY]; SELECT gets the same mailbox, but go-imap's server always
// tags a SELECT [READ-WRITE] (its code has "TODO: forbid write commands in
// read-only mode"), so clients learn it is read-only from the empty
// PERMANENTFLAGS and the NO [NOPERM] answers.
//
// # Logging in
//
// LOGIN and AUTHENTICATE PLAIN take a person's address and app password
// (listserv.NewAppPassword; `minyan passwd` or the `password` email
// command). Both are refused (LOGINDISABLED, NO [PRIVACYREQUIRED]) on a
// connection without TLS unless the listener is on loopback
// (Options.InsecureAuth): STARTTLS when a certificate is configured, or
// the implicit-TLS listener. Failed logins are slowed down per address
// and per client IP (see throttle): each failure is answered after
// FailDelay, and after a few failures in a row the address or IP is
// refused outright for a time that doubles with each further failure.
//
// # Large archives
//
// FETCH turns the requested sequence numbers or UIDs into UID ranges and
// reads only those with cursor seeks, in chunks of a few hundred messages
// per read transaction: nothing is written to the client while a
// transaction is open, so a slow client never holds the store. SEARCH
// streams through the metadata (sender, subject, dates, size) in the same
// chunks and reads a message's bytes only for keys that need them (TEXT,
// BODY, header fields other than From and Subject); its memory is the
// result set, kept as ranges. FROM and SUBJECT therefore match what the
// archive recorded: the author as they sent the post (before any DMARC
// rewriting of From) and the subject as they wrote it (without the
// list's [tag]); imported messages are recorded as they are.
//
// # IDLE
//
// listserv tells this package after each commit that a list's archive
// grew (Service.OnArchived); the list's mailbox marks itself stale and
// wakes the sessions idling on it, which re-read the new tail and send
// EXISTS. Sessions that do not IDLE get EXISTS after their next command.
// Archive mailboxes never expunge, so EXISTS is the only update and each
// session counts what it has told its client itself, instead of using
// imapserver.MailboxTracker (whose sequence-number translation exists for
// expunges and does not handle several messages arriving at once).
package imapd
