package listserv

import (
	"context"
	"fmt"

	"minyan/store"
)

// memberImportBatch is how many rows of a member import go into one
// transaction: a 100,000-row import is a hundred commits, each short
// enough that mail keeps flowing between them. Larger batches are barely
// faster (the work is per row) but hold many more dirty pages: each new
// member's two random tokens touch pages all over the token index.
const memberImportBatch = 1000

// importProgressStep is how often (in rows) an import reports progress;
// the steps of a batch are reported once it is committed.
const importProgressStep = 500

// ImportMembers adds or updates people on a list, as AddMembers with
// update does (the same checks for each row, the same capacity and
// waitlist), for a roster of any size: the rows go in memberImportBatch
// at a time, each batch one transaction, and progress (if not nil) is called
// after each commit with the rows done so far (in steps of
// importProgressStep rows). The whole import is one
// entry in the list's audit log, which each batch brings up to date, so
// it always says what was committed. A store error (or ctx ending) stops
// the import; rows of batches already committed stay imported, and their
// results are returned with the error.
func (s *Service) ImportMembers(ctx context.Context, a Actor, list string, specs []MemberSpec, progress func(done int)) ([]AddResult, error) {
	res := make([]AddResult, len(specs))
	audit := store.AuditEntry{Who: a.String(), Door: string(a.Door), List: list}
	var added, updated, waitlisted int
	var first, last string
	for start := 0; start < len(specs); start += memberImportBatch {
		if err := ctx.Err(); err != nil {
			return res[:start], err
		}
		end := min(start+memberImportBatch, len(specs))
		var a2, u2, w2 int
		var f2, l2 string
		err := s.st.Update(func(tx *store.Tx) error {
			a2, u2, w2, f2, l2 = added, updated, waitlisted, first, last
			r, err := s.newRosterAdder(tx, a, list, true)
			if err != nil {
				return err
			}
			for i := start; i < end; i++ {
				var what string
				if res[i], what, err = r.add(specs[i]); err != nil {
					return err
				}
				switch {
				case what == "":
					continue
				case res[i].Status == "updated":
					u2++
				case res[i].Status == StatusWaitlist:
					w2++
				default:
					a2++
				}
				if f2 == "" {
					f2 = what
				}
				l2 = what
			}
			if f2 == "" {
				return nil // nothing changed yet: nothing to record
			}
			audit.Time = s.clock.Now()
			audit.What = fmt.Sprintf("imported %d rows: %d new, %d updated, %d waitlisted (first: %s; last: %s)",
				a2+u2+w2, a2, u2, w2, f2, l2)
			if audit.Seq == 0 {
				seq, err := tx.AddAuditSeq(audit)
				audit.Seq = seq
				return err
			}
			return tx.PutAudit(audit)
		})
		if err != nil {
			return res[:start], err
		}
		added, updated, waitlisted, first, last = a2, u2, w2, f2, l2
		if progress != nil {
			for p := (start/importProgressStep + 1) * importProgressStep; p < end; p += importProgressStep {
				progress(p)
			}
			progress(end)
		}
	}
	if audit.Seq != 0 {
		s.log.Info("change", "list", list, "by", audit.Who, "what", audit.What)
	}
	return res, nil
}
