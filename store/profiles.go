package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Buckets of the relationships across the network: profiles, the
// introductions made, the "not now" links of introductions and the daily
// counts of messages relayed from the people directory.
var (
	bProfiles    = []byte("profiles")     // addr -> Profile
	bProfileIDs  = []byte("profile_ids")  // id -> addr
	bIntros      = []byte("intros")       // addr \x00 addr (sorted) -> Intro
	bIntroTokens = []byte("intro_tokens") // hash(token) -> IntroToken
	bRelayCounts = []byte("relay_counts") // day \x00 from [\x00 to] -> count(8)
	// kProfilesVersion counts profile writes, so an index of the
	// directory built from one version knows when it is behind.
	kProfilesVersion = []byte("profiles_version")
	// kIntrosLastRun is when the last round of introductions ran.
	kIntrosLastRun = []byte("intros_last_run")
)

// ProfileRole is one of the roles a person names on their profile.
type ProfileRole string

// The roles of the network's people.
const (
	RolePoliticalEducator ProfileRole = "political-educator"
	RoleOrganizer         ProfileRole = "organizer"
	RoleSpiritualLeader   ProfileRole = "spiritual-leader"
	RoleCulturalWorker    ProfileRole = "cultural-worker"
	RoleOther             ProfileRole = "other"
)

// ProfileRoles are all roles, in the order pages show them.
var ProfileRoles = [...]ProfileRole{RolePoliticalEducator, RoleOrganizer, RoleSpiritualLeader, RoleCulturalWorker, RoleOther}

// Label is how pages and mail name the role.
func (r ProfileRole) Label() string {
	return strings.ReplaceAll(string(r), "-", " ")
}

// Profile is what a person tells the network about themselves. Their
// name lives in the Person record (one name per person); everything else
// here. Listed and Intros are false until the person opts in.
type Profile struct {
	Address string `json:"address"`
	// ID is a stable random id: the directory's pages name a person by
	// it, never by their address.
	ID       string        `json:"id"`
	Pronouns string        `json:"pronouns,omitempty"`
	Region   string        `json:"region,omitempty"`
	Roles    []ProfileRole `json:"roles,omitempty"`
	About    string        `json:"about,omitempty"`
	Offers   string        `json:"offers,omitempty"`
	Listed   bool          `json:"listed"`
	Intros   bool          `json:"intros"`
	// Lang is the person's language (en, he, es; "" for none chosen).
	Lang string `json:"lang,omitempty"`
	// Zone is the IANA time zone the person reads times in on the web
	// ("" for none chosen: the list's, else UTC).
	Zone string `json:"zone,omitempty"`
	// SkipNextIntro is the "not now" of an introduction: the next round
	// passes the person over, then clears it.
	SkipNextIntro bool      `json:"skip_next_intro,omitempty"`
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated"`
}

// HasRole tells whether the profile names role r.
func (p Profile) HasRole(r ProfileRole) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Intro is one introduction made: two people, when.
type Intro struct {
	A    string    `json:"a"`
	B    string    `json:"b"`
	Time time.Time `json:"time"`
}

// IntroToken is the "not now" link of one person in one introduction,
// stored by its hash.
type IntroToken struct {
	Hash    string    `json:"hash"`
	Address string    `json:"address"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Used    time.Time `json:"used,omitzero"`
}

// Profile returns a person's profile, or ErrNotFound.
func (t *Tx) Profile(addr string) (Profile, error) {
	var p Profile
	if err := getJSON(t.tx.Bucket(bProfiles), []byte(strings.ToLower(addr)), &p); err != nil {
		return p, fmt.Errorf("profile of %s: %w", addr, err)
	}
	return p, nil
}

// ProfileByID returns the profile with directory id id, or ErrNotFound.
func (t *Tx) ProfileByID(id string) (Profile, error) {
	addr := t.tx.Bucket(bProfileIDs).Get([]byte(id))
	if addr == nil {
		return Profile{}, fmt.Errorf("profile %q: %w", id, ErrNotFound)
	}
	return t.Profile(string(addr))
}

// PutProfile creates or replaces a profile, giving a new one its id, and
// counts the write in the profiles version.
func (t *Tx) PutProfile(p Profile) (Profile, error) {
	p.Address = strings.ToLower(p.Address)
	if p.ID == "" {
		p.ID = NewToken()[:20] // 100 random bits: an id, not a secret
		if t.tx.Bucket(bProfileIDs).Get([]byte(p.ID)) != nil {
			return p, fmt.Errorf("profile id %s: %w", p.ID, ErrExists)
		}
		if err := t.tx.Bucket(bProfileIDs).Put([]byte(p.ID), []byte(p.Address)); err != nil {
			return p, err
		}
	}
	if err := putJSON(t.tx.Bucket(bProfiles), []byte(p.Address), p); err != nil {
		return p, err
	}
	meta := t.tx.Bucket(bMeta)
	return p, meta.Put(kProfilesVersion, u64(t.ProfilesVersion()+1))
}

// profileNameChanging counts a new name of a person with a profile as a
// profile write: the directory shows and searches names, so its index
// must learn of the change whoever made it (PutPerson calls this).
func (t *Tx) profileNameChanging(p Person) error {
	if t.tx.Bucket(bProfiles).Get([]byte(p.Address)) == nil {
		return nil
	}
	var old Person
	if err := getJSON(t.tx.Bucket(bPeople), []byte(p.Address), &old); err == nil && old.Name == p.Name {
		return nil
	}
	return t.tx.Bucket(bMeta).Put(kProfilesVersion, u64(t.ProfilesVersion()+1))
}

// ProfilesVersion is the number of profile writes so far.
func (t *Tx) ProfilesVersion() uint64 {
	if b := t.tx.Bucket(bMeta).Get(kProfilesVersion); len(b) == 8 {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// EachProfile calls fn for every profile, in address order.
func (t *Tx) EachProfile(fn func(Profile) error) error {
	return t.tx.Bucket(bProfiles).ForEach(func(_, v []byte) error {
		var p Profile
		if err := jsonUnmarshal(v, &p); err != nil {
			return fmt.Errorf("decode profile: %w", err)
		}
		return fn(p)
	})
}

func introKey(a, b string) []byte {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if b < a {
		a, b = b, a
	}
	return []byte(a + "\x00" + b)
}

// Introduced tells whether a and b were ever introduced.
func (t *Tx) Introduced(a, b string) bool {
	return t.tx.Bucket(bIntros).Get(introKey(a, b)) != nil
}

// PutIntro records an introduction.
func (t *Tx) PutIntro(in Intro) error {
	return putJSON(t.tx.Bucket(bIntros), introKey(in.A, in.B), in)
}

// Intros returns every introduction made, oldest pair key first.
func (t *Tx) Intros() ([]Intro, error) {
	var out []Intro
	err := t.tx.Bucket(bIntros).ForEach(func(_, v []byte) error {
		var in Intro
		if err := jsonUnmarshal(v, &in); err != nil {
			return fmt.Errorf("decode intro: %w", err)
		}
		out = append(out, in)
		return nil
	})
	return out, err
}

// PutIntroToken stores a "not now" link by its hash.
func (t *Tx) PutIntroToken(it IntroToken) error {
	return putJSON(t.tx.Bucket(bIntroTokens), []byte(it.Hash), it)
}

// IntroToken finds a "not now" link by its hash, or ErrNotFound.
func (t *Tx) IntroToken(hash string) (IntroToken, error) {
	var it IntroToken
	if err := getJSON(t.tx.Bucket(bIntroTokens), []byte(hash), &it); err != nil {
		return it, fmt.Errorf("intro link: %w", err)
	}
	return it, nil
}

// PruneIntroTokens removes links that expired before now.
func (t *Tx) PruneIntroTokens(now time.Time) error {
	_, err := deleteWhere(t.tx.Bucket(bIntroTokens), func(_, v []byte) (bool, error) {
		var it IntroToken
		err := jsonUnmarshal(v, &it)
		return err != nil || now.After(it.Expires), nil
	})
	return err
}

// IntrosLastRun is when introductions last ran (zero for never).
func (t *Tx) IntrosLastRun() time.Time {
	b := t.tx.Bucket(bMeta).Get(kIntrosLastRun)
	if len(b) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}

// SetIntrosLastRun records a round of introductions.
func (t *Tx) SetIntrosLastRun(at time.Time) error {
	return t.tx.Bucket(bMeta).Put(kIntrosLastRun, u64(uint64(at.UnixNano())))
}

func relayKey(day, from, to string) []byte {
	k := day + "\x00" + strings.ToLower(from)
	if to != "" {
		k += "\x00" + strings.ToLower(to)
	}
	return []byte(k)
}

func (t *Tx) relayCount(k []byte) int {
	if b := t.tx.Bucket(bRelayCounts).Get(k); len(b) == 8 {
		return int(binary.BigEndian.Uint64(b))
	}
	return 0
}

// RelayCounts returns how many directory messages from sent on day (a
// "2006-01-02" date) to to, and in all.
func (t *Tx) RelayCounts(day, from, to string) (toOne, total int) {
	return t.relayCount(relayKey(day, from, to)), t.relayCount(relayKey(day, from, ""))
}

// CountRelay counts one directory message from sent to to on day, and
// removes the counts of days before day.
func (t *Tx) CountRelay(day, from, to string) error {
	b := t.tx.Bucket(bRelayCounts)
	c := b.Cursor()
	var old [][]byte
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		d, _, _ := bytes.Cut(k, []byte{0})
		if string(d) >= day {
			break
		}
		old = append(old, append([]byte(nil), k...))
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	for _, k := range [][]byte{relayKey(day, from, to), relayKey(day, from, "")} {
		if err := b.Put(k, u64(uint64(t.relayCount(k)+1))); err != nil {
			return err
		}
	}
	return nil
}
