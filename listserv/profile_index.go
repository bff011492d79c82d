package listserv

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"minyan/store"
)

// The people directory's index: the listed profiles in memory, with an
// inverted index of their words, so /people?q= answers from memory over
// 100,000 profiles in a few milliseconds (BenchmarkPeopleSearch). It
// follows the store by the profiles version every profile write counts:
// the writer applies its own change after the commit, and a reader that
// finds the index behind the store rebuilds it from one snapshot. The
// index only narrows the search; the page re-reads every profile it
// shows from the store, so an unlisted person never appears even in the
// moment between a commit and its update here.

// maxQueryTerms bounds the words of one directory query.
const maxQueryTerms = 8

// PeoplePageSize is how many people one directory page shows.
const PeoplePageSize = 50

// PersonCard is a listed profile as the directory shows it.
type PersonCard struct {
	ID       string
	Name     string
	Pronouns string
	Region   string
	Roles    []store.ProfileRole
	About    string
	Offers   string
}

type personDoc struct {
	card   PersonCard
	addr   string
	name   string // lowercase, for sorting
	region string // lowercase, for the region filter
	dead   bool
}

type peopleIndex struct {
	mu      sync.RWMutex
	built   bool
	version uint64
	docs    []personDoc
	slot    map[string]int32   // address -> live slot
	words   map[string][]int32 // word -> slots, ascending
	vocab   []string           // the words, sorted, for prefix matches
	// order is every slot sorted by name (then id): a search walks it
	// and never sorts its results.
	order []int32
	dead  int
}

// before orders two slots by name, then id.
func (x *peopleIndex) before(a, b int32) int {
	return cmp.Or(strings.Compare(x.docs[a].name, x.docs[b].name), strings.Compare(x.docs[a].card.ID, x.docs[b].card.ID))
}

// wordsOf splits text into lowercase words of letters and digits.
func wordsOf(text string, into []string) []string {
	return append(into, strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})...)
}

func docWords(c PersonCard) []string {
	w := wordsOf(c.Name, nil)
	w = wordsOf(c.Region, w)
	for _, r := range c.Roles {
		w = wordsOf(r.Label(), w)
	}
	w = wordsOf(c.About, w)
	w = wordsOf(c.Offers, w)
	slices.Sort(w)
	return slices.Compact(w)
}

func cardOf(p store.Profile, name string) PersonCard {
	return PersonCard{ID: p.ID, Name: name, Pronouns: p.Pronouns, Region: p.Region, Roles: p.Roles, About: p.About, Offers: p.Offers}
}

// current tells whether the index reflects profiles version v.
func (x *peopleIndex) current(v uint64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.built && x.version == v
}

// rebuild reads every listed profile of tx's snapshot.
func (x *peopleIndex) rebuild(tx *store.Tx) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	v := tx.ProfilesVersion()
	if x.built && x.version == v {
		return nil
	}
	x.built, x.docs, x.dead, x.order = false, nil, 0, nil
	x.slot, x.words, x.vocab = map[string]int32{}, map[string][]int32{}, nil
	err := tx.EachProfile(func(p store.Profile) error {
		if !p.Listed {
			return nil
		}
		name := ""
		if pr, err := tx.Person(p.Address); err == nil {
			name = pr.Name
		}
		x.add(p, name, false)
		return nil
	})
	if err != nil {
		return err
	}
	slices.Sort(x.vocab)
	slices.SortFunc(x.order, x.before)
	x.built, x.version = true, v
	return nil
}

// add appends a listed profile; sorted keeps the vocabulary sorted as
// it grows (rebuild sorts it once at the end instead).
func (x *peopleIndex) add(p store.Profile, name string, sorted bool) {
	c := cardOf(p, name)
	n := int32(len(x.docs))
	x.docs = append(x.docs, personDoc{card: c, addr: p.Address, name: strings.ToLower(c.Name), region: strings.ToLower(c.Region)})
	x.slot[p.Address] = n
	if sorted {
		i, _ := slices.BinarySearchFunc(x.order, n, x.before)
		x.order = slices.Insert(x.order, i, n)
	} else {
		x.order = append(x.order, n)
	}
	for _, w := range docWords(c) {
		if _, ok := x.words[w]; !ok {
			if sorted {
				i, _ := slices.BinarySearch(x.vocab, w)
				x.vocab = slices.Insert(x.vocab, i, w)
			} else {
				x.vocab = append(x.vocab, w)
			}
		}
		x.words[w] = append(x.words[w], n)
	}
}

// apply brings the index from version since to v with the profile p
// (and its person's name), the one change made between them. An index
// at any other version is left to be rebuilt.
func (x *peopleIndex) apply(p store.Profile, name string, since, v uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built || x.version != since {
		x.built = false
		return
	}
	if old, ok := x.slot[p.Address]; ok {
		x.docs[old].dead = true
		delete(x.slot, p.Address)
		x.dead++
	}
	if p.Listed {
		x.add(p, name, true)
	}
	x.version = v
	if x.dead > 1000 && x.dead > len(x.docs)/2 {
		x.built = false // mostly dead slots: the next reader rebuilds
	}
}

// PeopleQuery is a directory search: words, a region and a role.
type PeopleQuery struct {
	Q      string
	Region string
	Role   store.ProfileRole
	// Page counts from 1.
	Page int
}

// search returns the listed people matching q, sorted by name, one page
// of them and how many matched in all.
func (x *peopleIndex) search(q PeopleQuery) (page []personDoc, total int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	terms := wordsOf(q.Q, nil)
	if len(terms) > maxQueryTerms {
		terms = terms[:maxQueryTerms]
	}
	var hit []uint64 // nil: every slot
	for _, t := range terms {
		set := make([]uint64, (len(x.docs)+63)/64)
		i := sort.SearchStrings(x.vocab, t)
		for ; i < len(x.vocab) && strings.HasPrefix(x.vocab[i], t); i++ {
			for _, s := range x.words[x.vocab[i]] {
				set[s/64] |= 1 << (s % 64)
			}
		}
		if hit == nil {
			hit = set
			continue
		}
		for k := range hit {
			hit[k] &= set[k]
		}
	}
	region := strings.ToLower(strings.TrimSpace(q.Region))
	from := (max(q.Page, 1) - 1) * PeoplePageSize
	for _, n := range x.order {
		if hit != nil && hit[n/64]&(1<<(n%64)) == 0 {
			continue
		}
		d := &x.docs[n]
		if d.dead || (region != "" && !strings.Contains(d.region, region)) || (q.Role != "" && !slices.Contains(d.card.Roles, q.Role)) {
			continue
		}
		if total >= from && len(page) < PeoplePageSize {
			page = append(page, *d)
		}
		total++
	}
	return page, total
}
