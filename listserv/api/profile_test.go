package api

import (
	"bytes"
	"errors"
	"testing"

	"minyan/listserv"
)

// FuzzPatchProfile: the profile fields of PATCH /api/v1/people/ADDRESS
// decode or answer 400, and what decodes reads into a change or a
// sentence for the caller (422), never a panic.
func FuzzPatchProfile(f *testing.F) {
	for _, s := range []string{`{"roles":["organizer","Spiritual Leader"],"lang":"he","listed":true}`, `{"roles":["x"]}`,
		`{"lang":"FR","intros":false,"about":"\u0000"}`, `{"name":"A","roles":null}`, `{"roles":"organizer"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in PatchPersonIn
		if err := DecodeBody(bytes.NewReader(b), &in); err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("decode: %v", err)
			}
			return
		}
		c, err := in.change()
		var pe *listserv.ProfileError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("change: %v", err)
		}
		if err == nil && c.Roles != nil && len(*c.Roles) > 5 {
			t.Fatalf("roles repeat: %v", *c.Roles)
		}
	})
}
