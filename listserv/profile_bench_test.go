package listserv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"minyan/store"
)

// benchPeople fills a store with n listed profiles of generated words
// (written straight to the store: the benchmark measures searching),
// and puts the viewer on a list.
func benchPeople(b *testing.B, n int) (*doorEnv, Actor) {
	b.Helper()
	e := newDoorEnv(b, nil)
	e.list("north", "discussion", map[string]string{"viewer@example.org": "member"})
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		var w strings.Builder
		for j := 0; j < 4+rng.IntN(6); j++ {
			w.WriteByte(byte('a' + rng.IntN(26)))
		}
		vocab[i] = w.String()
	}
	regions := []string{"Ohio", "Oregon", "New York", "Texas", "California", "Ontario", "Buenos Aires", "Jerusalem"}
	words := func(k int) string {
		out := make([]string, k)
		for i := range out {
			out[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(out, " ")
	}
	const perTx = 5000
	for start := 0; start < n; start += perTx {
		if err := e.st.Update(func(tx *store.Tx) error {
			for i := start; i < min(start+perTx, n); i++ {
				addr := fmt.Sprintf("p%06d@example.org", i)
				if err := tx.PutPerson(store.Person{Address: addr, Name: words(2), Created: time.Now()}); err != nil {
					return err
				}
				about := words(30)
				if i%1000 == 0 {
					about += " ran a Tisha b'Av action"
				}
				p := store.Profile{Address: addr, Region: regions[i%len(regions)], Roles: []store.ProfileRole{store.ProfileRoles[i%5]},
					About: about, Offers: words(10), Listed: true}
				if _, err := tx.PutProfile(p); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return e, Person("viewer@example.org", DoorWeb)
}

// BenchmarkPeopleSearch: /people?q= over 100,000 listed profiles, as the
// domain answers it (permission check, index, re-reading the page's
// profiles). Reports the median of the searches as median-ms.
func BenchmarkPeopleSearch(b *testing.B) {
	e, viewer := benchPeople(b, 100_000)
	queries := []PeopleQuery{{Q: "tisha"}, {Q: "ohio organizer"}, {Q: "ab"}, {Q: "new york"}, {Region: "ohio"}, {Q: "spiritual", Role: store.RoleSpiritualLeader}}
	if _, err := e.svc.People(bg, viewer, queries[0]); err != nil { // builds the index
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := e.svc.People(bg, viewer, queries[i%len(queries)])
		if err != nil || res.Total == 0 {
			b.Fatalf("%+v: %d results, %v", queries[i%len(queries)], res.Total, err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkPeopleIndexBuild: the first directory search after a start
// (or after another process wrote profiles) builds the index.
func BenchmarkPeopleIndexBuild(b *testing.B) {
	e, viewer := benchPeople(b, 100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.svc.people.mu.Lock()
		e.svc.people.built = false
		e.svc.people.mu.Unlock()
		if _, err := e.svc.People(bg, viewer, PeopleQuery{Q: "tisha"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntrosRound2000: one round of introductions among 2,000
// opted-in people on 200 lists of ten (each round pairs everyone it can
// and mails 1,000 introductions, in one transaction).
func BenchmarkIntrosRound2000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newDoorEnv(b, nil)
		if err := e.st.Update(func(tx *store.Tx) error {
			for n := 0; n < 2000; n++ {
				addr := fmt.Sprintf("p%04d@example.org", n)
				list := fmt.Sprintf("list%03d", n/10)
				if n%10 == 0 {
					if err := tx.CreateList(store.List{Name: list, Kind: "discussion", Created: time.Now()}); err != nil {
						return err
					}
				}
				if err := tx.PutMembership(store.Membership{List: list, Address: addr, Role: "member", Mode: "each", Status: "ok",
					Joined: time.Unix(int64(n)*3600, 0)}); err != nil {
					return err
				}
				if err := tx.PutPerson(store.Person{Address: addr, Name: "P " + addr}); err != nil {
					return err
				}
				if _, err := tx.PutProfile(store.Profile{Address: addr, Region: []string{"Ohio", "Texas", "Chile"}[n%3],
					Roles: []store.ProfileRole{store.ProfileRoles[n%5]}, Intros: true}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		pairs, err := e.svc.RunIntros(bg, op)
		if err != nil || len(pairs) != 1000 {
			b.Fatalf("%d pairs, %v", len(pairs), err)
		}
	}
}
