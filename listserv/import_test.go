package listserv

import (
	"fmt"
	"strings"
	"testing"
)

// An import larger than one transaction keeps the rules of a one-call
// add: capacity counts across batches (the rest go on the waitlist), bad
// rows fail alone, people already on the list are updated, the whole
// import is one audit entry that tells the final counts, and progress
// is reported after each commit.
func TestImportMembersAcrossBatches(t *testing.T) {
	e := newDoorEnv(t, nil)
	capacity := memberImportBatch + 500 // full in the middle of the second batch
	e.list("big", "discussion", map[string]string{"own@example.org": "owner", "old@example.org": "member"}, fmt.Sprint("capacity=", capacity))
	n := 2*memberImportBatch + 1200
	specs := make([]MemberSpec, n)
	for i := range specs {
		specs[i] = MemberSpec{Address: fmt.Sprintf("p%06d@example.org", i)}
	}
	specs[10] = MemberSpec{Address: "not an address"}
	specs[n-1] = MemberSpec{Address: "OLD@example.org", Mode: "digest"}
	var steps []int
	owner := Person("own@example.org", DoorWeb)
	res, err := e.svc.ImportMembers(bg, owner, "big", specs, func(done int) { steps = append(steps, done) })
	if err != nil {
		t.Fatal(err)
	}
	var ok, wait, upd, bad int
	for _, r := range res {
		switch {
		case r.Err != nil:
			bad++
		case r.Status == "updated":
			upd++
		case r.Status == StatusWaitlist:
			wait++
		case r.Status == StatusOK:
			ok++
		}
	}
	// old@ holds one of the seats already.
	if bad != 1 || upd != 1 || ok != capacity-1 || wait != n-2-(capacity-1) {
		t.Errorf("ok %d, waitlisted %d, updated %d, bad %d", ok, wait, upd, bad)
	}
	if len(steps) != n/importProgressStep+1 || steps[0] != importProgressStep || steps[len(steps)-1] != n {
		t.Errorf("progress %v", steps)
	}
	log, err := e.svc.Audit(bg, op, "big", 0)
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, a := range log {
		if strings.HasPrefix(a.What, "imported") {
			imports = append(imports, a.Who+": "+a.What)
		}
	}
	want := fmt.Sprintf("own@example.org via web: imported %d rows: %d new, 1 updated, %d waitlisted (first: added p000000@example.org (role member, mode each, status ok); last: updated old@example.org (role member, mode digest))", n-1, capacity-1, wait)
	if len(imports) != 1 || imports[0] != want {
		t.Errorf("audit entries of the import:\n%s\nwant one:\n%s", strings.Join(imports, "\n"), want)
	}
	if mb, err := e.svc.Members("big"); err != nil || len(mb) != n {
		t.Errorf("%d members, %v", len(mb), err)
	}
}
