package listserv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"
)

func TestOldArchiveURLs(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	op := Operator(DoorCLI)
	if _, err := s.CreateList(ctx, op, "readers", "discussion", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMembers(ctx, op, "readers", []MemberSpec{{Address: "ann@example.org"}}, false); err != nil {
		t.Fatal(err)
	}
	mbox := "From ann@example.org Mon Mar  4 10:00:00 2019\nFrom: ann@example.org\nMessage-ID: <one@old>\nSubject: one\n\nbody\n\n" +
		"From ann@example.org Mon Mar  4 11:00:00 2019\nFrom: ann@example.org\nSubject: no id\n\nbody two\n\n"
	r := bytes.NewReader([]byte(mbox))
	res, err := s.ImportArchive(ctx, "readers", r, r.Size(), ImportOptions{})
	if err != nil || res.Imported != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	sum := sha256.Sum256([]byte("From: ann@example.org\r\nSubject: no id\r\n\r\nbody two\r\n"))
	urls := []OldURL{
		{Path: "/old/readers/1/", MessageID: "one@old"},
		{Path: "/old/readers/t/7", MessageID: "one@old"},
		{Path: "/old/readers/2", Digest: sum[:16]},
		{Path: "/old/readers/3", MessageID: "never@archived"},
	}
	if _, _, err := s.MapOldArchiveURLs(ctx, Person("ann@example.org", DoorWeb), "readers", urls); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member mapped URLs: %v", err)
	}
	added, missing, err := s.MapOldArchiveURLs(ctx, op, "readers", urls)
	if err != nil || missing != 1 {
		t.Fatalf("mapped %d, %d missing: %v", added, missing, err)
	}
	if again, _, _ := s.MapOldArchiveURLs(ctx, op, "readers", urls); again != 0 {
		t.Errorf("mapping again added %d", again)
	}
	anon := Anonymous(DoorWeb)
	for path, want := range map[string]string{
		"/old/readers/1":            "/lists/readers/m/1",
		"/old/readers/1/?x=y":       "/lists/readers/m/1",
		"/old/readers/t/7/m/abc123": "/lists/readers/m/1",
		"/old/readers/2":            "/lists/readers/m/2",
	} {
		if got, err := s.OldArchiveTarget(anon, path); err != nil || got != want {
			t.Errorf("%s -> %q %v, want %s", path, got, err, want)
		}
	}
	for _, path := range []string{"/old/readers/3", "/old/readers", "/"} {
		if _, err := s.OldArchiveTarget(anon, path); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", path, err)
		}
	}
}
