package deliver

import (
	"fmt"
	"regexp"
	"time"

	"minyan/store"
)

// status is what became of one recipient in one attempt.
type status uint8

const (
	// unresolved: no answer about this recipient yet (internal to a
	// transaction; never leaves it).
	unresolved status = iota
	// delivered: the relay took responsibility (2xx after the data).
	delivered
	// deferred: a temporary failure (4xx, connection loss, timeout).
	deferred
	// rejected: a permanent failure (5xx).
	rejected
	// abandoned: given up for a reason that is not the recipient's (the
	// queued message is unreadable); not a bounce.
	abandoned
)

// result is one recipient's attempt as the sender saw it.
type result struct {
	status status
	// text is the relay's reply ("550 5.1.1 No such user") or the local
	// error.
	text string
	// stage is where the attempt ended (store.StageRcpt, ...; "" for a
	// local problem), so bounce accounting counts only answers about
	// the recipient.
	stage string
}

// resultOf classifies a final reply: 2xx delivered, 5xx rejected,
// anything else (4xx, or a reply that makes no sense here) deferred.
func resultOf(r reply, stage string) result {
	switch r.Code / 100 {
	case 2:
		return result{delivered, "", stage}
	case 5:
		return result{rejected, r.String(), stage}
	default:
		return result{deferred, r.String(), stage}
	}
}

// failureOf classifies a reply that ended a transaction early: only 5xx is
// permanent, everything else is retried.
func failureOf(r reply, stage string) result {
	if r.Code/100 == 5 {
		return result{rejected, r.String(), stage}
	}
	return result{deferred, r.String(), stage}
}

// outcome turns an attempt into what the store records: the retry
// schedule of Relay.Retry (indexed by the attempts so far, the last delay
// repeating) and the give-up age of Relay.GiveUpAfter.
func (w *Worker) outcome(r store.QueuedRcpt, res result, now time.Time) store.Outcome {
	o := store.Outcome{Key: r.Key(), At: now, Error: res.text, Stage: res.stage}
	switch res.status {
	case delivered:
		o.Delivered = true
	case rejected:
		o.Permanent = true
	case abandoned:
	default:
		if age := now.Sub(r.Created); age >= w.o.Relay.GiveUpAfter {
			o.Error = fmt.Sprintf("given up after %s: %s", age.Round(time.Second), res.text)
			return o
		}
		retry := w.o.Relay.Retry
		o.RetryAt = now.Add(retry[min(r.Attempts, len(retry)-1)])
	}
	return o
}

// outcomes converts a job's results, logging the ones an operator cares
// about.
func (w *Worker) outcomes(j *job, res []result, now time.Time) []store.Outcome {
	out := make([]store.Outcome, len(j.rcpts))
	for i, r := range j.rcpts {
		out[i] = w.outcome(r, res[i], now)
		switch o := out[i]; {
		case o.Delivered:
		case !o.RetryAt.IsZero():
			w.log.Debug("delivery deferred", "msg", r.MsgID, "rcpt", r.Address, "attempts", r.Attempts+1, "retry_at", o.RetryAt, "err", redactTokens(o.Error))
		default:
			w.log.Info("delivery failed", "msg", r.MsgID, "list", j.msg.q.List, "rcpt", r.Address, "permanent", o.Permanent, "err", redactTokens(o.Error))
		}
	}
	return out
}

// tokenInAddress matches the token of a VERP bounce address
// (NAME-bounces+TOKEN@domain), which a relay's answer may quote.
var tokenInAddress = regexp.MustCompile(`\+[a-z2-7]{26,}@`)

// redactTokens hides address tokens in text bound for the logs: a bounce
// token lets whoever holds it report bounces for that member.
func redactTokens(s string) string { return tokenInAddress.ReplaceAllString(s, "+…@") }
