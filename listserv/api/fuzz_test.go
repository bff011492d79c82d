package api

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecodeBodies feeds every request body shape the API parses: a bad
// body is an error (400), never a panic.
func FuzzDecodeBodies(f *testing.F) {
	for _, s := range []string{
		`{"name":"team","kind":"community"}`, `[{"address":"a@example.org","role":"owner"}]`, `{"settings":{"capacity":3,"emergency":true,"title":"x"}}`,
		`{"good_standing":false}`, `{"action":"approve"}`, `{"start":"2026-12-01 19:00","count":2}`, `{"start":"2026-12-01","all_day":true,"duration":"72h","seats":10,"questions":["Diet?"],"location":"Auburn, MA"}`,
		`{"address":"a@example.org","answer":"yes","answers":["none","vegan"]}`, `{"role":"x"}{}`, `[`, `{"settings":{"a":[1]}}`, ``, `null`, `{"org":"ACME","contacts":["c@example.org"],"seats":2,"partner_type":"jewish"}`, `{"address":"d@example.org"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		targets := []any{&CreateListIn{}, &[]MemberIn{}, &MemberIn{}, &PatchListIn{}, &PatchMemberIn{}, &PatchPersonIn{}, &DecideIn{}, &AddSessionsIn{}, &RSVPIn{}, &OrgIn{}, &DelegateIn{}}
		for _, v := range targets {
			err := DecodeBody(bytes.NewReader(b), v)
			if err != nil && !errors.Is(err, errBadRequest) {
				t.Fatalf("%T: error %v is not a bad request", v, err)
			}
			if p, ok := v.(*PatchListIn); ok && err == nil {
				if _, err := p.SettingPairs(); err != nil && !errors.Is(err, errBadRequest) {
					t.Fatalf("settings: %v", err)
				}
			}
		}
	})
}
