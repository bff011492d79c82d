// Package digest is everything minyan sends because the clock says so:
// weekly digests, session reminders with calendar invitations, session
// digests, chevruta (study pair) check-ins, and the updates and
// cancellations of moved or cancelled sessions. It asks listserv for
// rosters, addresses and list headers and queues its mail on the same
// outbound queue as posts.
//
// # Scheduler and exactly-once
//
// The Scheduler keeps no state of its own. Each pass (RunDue) computes
// from the store what is due at the injected clock's now: each list's
// latest weekly digest slot, and for each session its reminders (one per
// reminder_offsets entry), its session digest (session_digest_before),
// the check-in halfway to it from the session before, and, for the last
// session of a series, the share reminder. Every mail has an idempotency
// key (reminder/LIST/ID/24h/sSEQ, session-digest/LIST/ID/sSEQ,
// pairs-checkin/LIST/A-B, pairs-share/LIST/ID, digest/LIST/UID/SLOT,
// update/LIST/ID/sSEQ, cancel/LIST/ID). The key is checked, the mail
// built and queued, and the key marked, in one bbolt transaction, so a
// crash leaves both or neither: there is no moment at which a mail is
// queued but not marked, or marked but not queued.
//
// The daemon runs one pass at start (the catch-up, before the admin
// socket opens), then whenever the next job falls due, at least every
// MaxWait, and when a command kicks it. A reminder or session digest
// that fell due while the daemon was down is sent on start if its session
// has not begun, otherwise skipped and logged; of several reminders of one
// session due at once, only the latest is sent. A weekly digest whose
// slot passed while down is sent late, covering the posts up to its slot.
//
// # Time
//
// A session is stored as wall-clock time in a named IANA zone
// ("2027-01-07 19:00" in America/New_York), never as an instant: a 19:00
// series stays at 19:00 across daylight saving changes, and the instant
// is computed from the zone's rules when needed. A time that does not
// exist (skipped when clocks spring forward) moves forward by the gap,
// 02:30 becoming 03:30; a time that exists twice is the first one.
// Offsets that are whole days (24h, 48h) are counted on the session's
// wall clock ("a day before" is 19:00 the day before even across a DST
// change); other offsets are exact durations. Weekly digests go out at
// digest_day and digest_time on the list's timezone's wall clock.
// Mail shows times in the list's timezone (and in the session's own zone
// too when that differs); calendar parts carry the series' local times
// with its TZID and a VTIMEZONE built from Go's zone data (ics.go), so a
// calendar keeps 19:00 local across daylight saving changes; all-day
// events are plain dates. Daily digests go out every day at digest_time
// on days with posts (daily.go).
//
// # Series
//
// `session add` creates every session of a series as its own record
// (own ID, moved and cancelled alone). weekly and biweekly add 7 and 14
// days on the wall clock. monthly keeps the weekday-of-month of the first
// session ("the first Thursday"); a series on a fifth weekday meets only
// in months that have a fifth such weekday: other months are skipped and
// the series still has all its sessions (session add says so).
//
// # Calendar parts
//
// Reminders, session digests and updates carry METHOD:PUBLISH (RFC 5546)
// with a stable UID per session (session-ID-LIST@domain), SEQUENCE raised
// on every move and on cancellation, DTSTAMP, ORGANIZER (the list's owner
// address), SUMMARY, DESCRIPTION, LOCATION and URL (the meeting link);
// cancellations carry METHOD:CANCEL and STATUS:CANCELLED. go-ical writes
// the object; foldICS folds its lines at 75 octets with CRLF. In the mail
// the object is a base64 text/calendar part (with method=) beside the
// text in a multipart/alternative, and again as invite.ics.
//
// # RSVP
//
// Each recipient of a reminder, session digest or update gets their own
// Reply-To, LIST-confirm+TOKEN (token kind "rsvp"), spliced in front of
// the shared message at delivery. A reply whose first line starts with
// yes, no or maybe records the answer for the member the reminder was
// sent to (the last answer counts) and is acknowledged. `session ls`
// shows the counts ("yes=3 no=1 maybe=0") and who answered what; the
// session digest shows counts to everyone and names to facilitators,
// moderators and owners.
//
// # Events and registration
//
// A session may be all-day (stored at midnight, whole days, written to
// calendars as VALUE=DATE dates), last up to 14 days, and have a place
// (LOCATION). With seats or questions it has registration: it is
// announced to every member (announce/LIST/ID; in a series when the
// session before begins), a "yes" by reply (answers on the following
// lines), on the web or by the API takes a seat or a waitlist place, and
// a registered "no" (or a registered member leaving the list) gives the
// seat to the first waiting, whose notice is queued in the same
// transaction. Reminders and the session digest then go to the
// registered only. See events.go.
//
// # Weekly digest
//
// To every deliverable digest-mode member, rendered once per format and
// shared by every member of that format (unsubscribe headers are spliced
// in per recipient at delivery). Format html (the default):
// multipart/mixed of a multipart/alternative — text/plain and text/html,
// each a table of contents (posts grouped by thread, author, date, a
// mailto: reply link carrying In-Reply-To) followed by every post's own
// words — and a multipart/digest of the posts as distributed
// (message/rfc822). Format plain: the same text alone, laid out like an
// RFC 1153 digest. Each post is read once (inline.go): its text/plain part,
// or for an HTML-only post its HTML with quotes and signature cut from the
// node tree, then sanitised (bluemonday: text structure and links only, no
// scripts, event handlers or images); quoted text, signatures, phone
// footers and the list footer are trimmed with a note saying so; files are
// named with their size. With a public URL and an archive, posts, threads
// and files link to the web archive (/lists/NAME/m/SEQ, .../att/N). The
// HTML stays under about 96 KB (Gmail clips near 102 KB): when the posts do
// not fit in full, each shows its first lines with a "read the rest" link,
// then titles only, and the top of the digest says so. The list's digest
// position (last archive sequence number covered) moves in the transaction
// that queues the digest. Nothing is sent for a week without posts. A
// list's first digest reaches back one week at most.
//
// # Chevruta pairs
//
// `pairs make` groups the members who get mail in twos (one three when
// the count is odd), trying random orders and taking the arrangement
// with the fewest pairs that studied together before (pair history is
// kept per list). Each group gets one check-in mail halfway between two
// consecutive sessions, To and Reply-To all partners, and before the last
// session of a series (at session_digest_before, or 48h) a reminder to
// share what the pair produced with the list.
package digest
