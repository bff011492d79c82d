// Package deliver sends the outbound queue kept in the store to the relay
// (or, with no relay configured, into a Maildir for trying minyan out).
//
// # Shape
//
// One scheduler goroutine owns dispatch: it asks the store which
// recipients are due, groups them into jobs (a batch message's recipients
// sharing an envelope sender, up to Relay.MaxRecipients per transaction;
// otherwise one recipient per transaction), caches each message's body in
// memory while any of its recipients is in flight, and hands the jobs to
// Relay.Connections connection goroutines. Those keep their SMTP
// connection open across transactions and speak SMTP through a small
// pipelining client of this package's own (go-smtp's client cannot
// pipeline), so a personalized (VERP) transaction costs two round trips.
// A single committer goroutine records every outcome through
// store.Finish, many outcomes per bbolt transaction.
//
// # Invariants
//
//   - A recipient leaves the queue only after the relay answered 2xx to the
//     end of its message data (or, in Maildir mode, its file was fsynced
//     and renamed into new/).
//   - A recipient is in flight from the moment the scheduler takes it from
//     the store until its outcome is committed, and is never handed out
//     twice meanwhile.
//   - Outcomes are committed in groups: whatever arrived while the
//     previous commit ran, up to maxCommit, goes into one fsync. After a
//     crash (kill -9) the deliveries whose 2xx was received but not yet
//     committed are sent again: duplicates are preferred to losses
//     (delivery is at least once).
//   - Their number is bounded: the scheduler hands out no new job while
//     maxUnsettled recipients (or, for batch transactions, one
//     transaction per connection) are sent and not yet recorded. A slow
//     commit (busy disk, other writers) slows dispatch down instead of
//     widening the window of duplicates.
//   - 4xx replies, connection failures and timeouts defer a recipient with
//     backoff from Relay.Retry until Relay.GiveUpAfter has passed since it
//     was queued; 5xx replies fail it at once (Permanent, counted as a
//     bounce by the Hook).
//
// # Shutdown
//
// When Run's context ends, no new job starts; jobs already on the wire
// finish (bounded by shutdownGrace), their outcomes are committed and the
// connections are closed with QUIT.
package deliver
