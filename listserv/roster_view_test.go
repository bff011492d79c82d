package listserv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fillRoster puts n members on a new discussion list through the import
// (the domain's own batched path): names made of random words (every
// 7th person has none), the three modes, every other person in good
// standing, joined a minute apart in a shuffled order.
func fillRoster(t testing.TB, e *doorEnv, list string, n int) {
	t.Helper()
	e.list(list, "discussion", map[string]string{"own@example.org": "owner"})
	rng := rand.New(rand.NewPCG(7, 11))
	words := []string{"ana", "Ben", "carla", "Dov", "elena", "Fatima", "gil", "Hana", "iris", "José", "karin", "Lior", "maya", "Noa", "omar", "Pilar", "Ruth", "sara", "Tal", "yael"}
	rows := make([]MemberRow, n)
	for i := range rows {
		good := i%2 == 0
		sp := MemberSpec{Address: fmt.Sprintf("m%07d-%d@example.net", rng.IntN(10_000_000), i), Mode: modes[i%3], GoodStanding: &good}
		if i%7 != 0 {
			sp.Name = words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + fmt.Sprint(rng.IntN(100))
		}
		rows[i] = MemberRow{Line: i + 2, Spec: sp}
	}
	p, err := e.svc.ImportMembers(bg, op, list, rows, nil)
	if err != nil || len(p.Failures) > 0 {
		t.Fatalf("fill %s: %v %+v", list, err, p.Failures)
	}
}

// TestRosterPageOrder: every order, both ways, with and without a
// search, page by page, is exactly the full roster sorted the slow way
// (the bounded heap keeps the right rows), and the counts are right.
func TestRosterPageOrder(t *testing.T) {
	e := newDoorEnv(t, vouched)
	fillRoster(t, e, "big", 260)
	// Joined times differ: move the clock between two more members.
	for i, a := range []string{"late1@example.org", "late2@example.org"} {
		e.clock.Advance(time.Minute)
		if _, err := e.svc.AddMembers(bg, op, "big", []MemberSpec{{Address: a, Role: roles[i+1], Mode: ModeNomail}}, false); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.svc.RosterPageOf(bg, op, "big", RosterFilter{Sort: SortAddress}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 263 || all.Matched != 263 || all.Pages != 6 || all.From != 1 {
		t.Fatalf("counts: %+v", all)
	}
	var everyone []RosterRow
	for p := 1; p <= all.Pages; p++ {
		rp, _ := e.svc.RosterPageOf(bg, op, "big", RosterFilter{Sort: SortAddress}, p)
		everyone = append(everyone, rp.Rows...)
	}
	rank := map[RosterSort]func(r RosterRow) string{
		SortName: func(r RosterRow) string {
			if r.Name == "" {
				return "~"
			}
			return " " + strings.ToLower(r.Name)
		},
		SortAddress:  func(r RosterRow) string { return "" },
		SortRole:     func(r RosterRow) string { return fmt.Sprint(RoleRank(r.Role)) },
		SortMode:     func(r RosterRow) string { return fmt.Sprint(slices.Index(modes, r.Mode)) },
		SortStatus:   func(r RosterRow) string { return fmt.Sprintf("%02d", slices.Index(statuses, r.Status)) },
		SortStanding: func(r RosterRow) string { return map[bool]string{true: "0", false: "1"}[r.GoodStanding] },
		SortJoined:   func(r RosterRow) string { return r.Joined.UTC().Format(time.RFC3339Nano) },
	}
	for _, q := range []string{"", "an"} {
		for _, by := range RosterSorts {
			for _, desc := range []bool{false, true} {
				want := slices.Clone(everyone)
				want = slices.DeleteFunc(want, func(r RosterRow) bool {
					return q != "" && !strings.Contains(r.Address, q) && !strings.Contains(strings.ToLower(r.Name), q)
				})
				sort.SliceStable(want, func(i, j int) bool {
					a, b := want[i], want[j]
					if by == SortName && (a.Name == "") != (b.Name == "") {
						return a.Name != ""
					}
					ka, kb := rank[by](a), rank[by](b)
					if ka == kb {
						ka, kb = a.Address, b.Address
						if by != SortAddress {
							return ka < kb // ties A to Z, whatever the order
						}
					}
					if desc {
						return ka > kb
					}
					return ka < kb
				})
				var got []RosterRow
				f := RosterFilter{Query: q, Sort: by, Desc: desc}
				first, _ := e.svc.RosterPageOf(bg, op, "big", f, 1)
				for p := 1; p <= first.Pages; p++ {
					rp, err := e.svc.RosterPageOf(bg, op, "big", f, p)
					if err != nil {
						t.Fatal(err)
					}
					if rp.Matched != len(want) || (len(rp.Rows) > 0 && rp.From != (p-1)*RosterPageSize+1) {
						t.Fatalf("%s desc=%v q=%q page %d: matched %d from %d, want %d", by, desc, q, p, rp.Matched, rp.From, len(want))
					}
					got = append(got, rp.Rows...)
				}
				if len(got) != len(want) {
					t.Fatalf("%s desc=%v q=%q: %d rows, want %d", by, desc, q, len(got), len(want))
				}
				for i := range got {
					if got[i].Address != want[i].Address {
						t.Fatalf("%s desc=%v q=%q: row %d is %s (%q), want %s (%q)", by, desc, q, i, got[i].Address, got[i].Name, want[i].Address, want[i].Name)
					}
				}
			}
		}
	}
	if _, err := e.svc.RosterPageOf(bg, op, "big", RosterFilter{Sort: "shoe size"}, 1); err == nil {
		t.Error("an unknown order was accepted")
	}
}

// BenchmarkRosterPage100k times RosterPageOf on a list of 100,000
// members (built once through the import): the first page by name (the
// console's default), a late page by name, the first page by joined
// descending, and a search by name, each with its median.
//
//	go test ./listserv -run XXX -bench BenchmarkRosterPage100k -benchtime 50x
func BenchmarkRosterPage100k(b *testing.B) {
	e := newDoorEnv(b, vouched)
	fillRoster(b, e, "big", 100_000)
	for _, c := range []struct {
		name string
		f    RosterFilter
		page int
	}{
		{"name-page1", RosterFilter{}, 1},
		{"name-page200", RosterFilter{}, 200},
		{"joined-desc-page1", RosterFilter{Sort: SortJoined, Desc: true}, 1},
		{"search-page1", RosterFilter{Query: "maya"}, 1},
		{"address-page1", RosterFilter{Sort: SortAddress}, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			cpu0 := processCPU()
			for b.Loop() {
				t0 := time.Now()
				rp, err := e.svc.RosterPageOf(bg, op, "big", c.f, c.page)
				ds = append(ds, time.Since(t0))
				if err != nil || len(rp.Rows) != RosterPageSize {
					b.Fatalf("%v: %d rows", err, len(rp.Rows))
				}
			}
			// CPU time per page (the server and the client share the
			// process): what the wall clock would show on an idle
			// machine, whatever else runs on a shared one.
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "median-ms")
		})
	}
}

// processCPU is the CPU time this process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCompareFold: names compare as their lower case does, without a
// copy for ASCII, from the start of the letter where they differ
// otherwise.
func TestCompareFold(t *testing.T) {
	for _, c := range [][2]string{{"ana", "Ben"}, {"Ana", "ana"}, {"José", "josé"}, {"Jose", "José"}, {"Élan", "élan"}, {"éa", "éb"}, {"אבי", "בני"}, {"ab", "abc"}, {"", "a"}} {
		want := strings.Compare(strings.ToLower(c[0]), strings.ToLower(c[1]))
		if got := compareFold([]byte(c[0]), []byte(c[1])); got != want {
			t.Errorf("compareFold(%q, %q) = %d, want %d", c[0], c[1], got, want)
		}
		if got := compareFold([]byte(c[1]), []byte(c[0])); got != -want {
			t.Errorf("compareFold(%q, %q) = %d, want %d", c[1], c[0], got, -want)
		}
		if !containsFold([]byte(c[0]+c[1]), strings.ToLower(c[1])) {
			t.Errorf("containsFold(%q, %q) = false", c[0]+c[1], c[1])
		}
	}
}

// TestJoinedNanos: the hand-read times are time.Parse's.
func TestJoinedNanos(t *testing.T) {
	for _, s := range []string{"2026-11-02T15:00:00Z", "2026-11-02T15:00:00.5Z", "2026-11-02T15:00:00.123456789+02:00",
		"1999-12-31T23:59:59-05:30", "2026-02-30T10:00:00Z", "2026-11-02T15:00:00.Z", "2026-11-02 15:00:00Z", "x"} {
		want := int64(0)
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
			want = tm.UnixNano()
		}
		if got := joinedNanos([]byte(s)); got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	}
}

func FuzzJoinedNanos(f *testing.F) {
	f.Add("2026-11-02T15:00:00.123456789+02:00")
	f.Add("2026-11-02T15:00:00Z")
	f.Add("2026-13-02T15:00:00Z")
	f.Fuzz(func(t *testing.T, s string) {
		want := int64(0)
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil {
			want = tm.UnixNano()
		}
		if got := joinedNanos([]byte(s)); got != want {
			t.Fatalf("%q: %d, want %d", s, got, want)
		}
	})
}
