package migrate

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"minyan/listserv/migrate/migratetest"
)

// The small export samples in testdata are written by migratetest (run
// `go test -run TestSamples -update-samples ./listserv/migrate/` after
// changing it) so a reader can see each format as it is; this test
// keeps them equal to what the generator writes and checks that each
// reads back.
var updateSamples = flag.Bool("update-samples", false, "rewrite testdata's export samples")

func TestSamples(t *testing.T) {
	posts, _ := migratetest.History(6, 1)
	roster := append(migratetest.Roster()[:4], migratetest.Roster()[100])
	var gcsv, gmbox, icsv, izip, mmbox bytes.Buffer
	migratetest.WriteGoogleCSV(&gcsv, roster)
	migratetest.WriteMbox(&gmbox, migratetest.Shuffled(posts, 1), migratetest.GoogleHeaders("readers"))
	migratetest.WriteGroupsIOCSV(&icsv, roster)
	migratetest.WriteMbox(&mmbox, posts, migratetest.MailmanHeaders("readers", "lists.example.org"))
	samples := map[string][]byte{
		"google-groups-members.csv": gcsv.Bytes(),
		"google-takeout.mbox":       gmbox.Bytes(),
		"groupsio-members.csv":      icsv.Bytes(),
		"mailman-readers.mbox":      mmbox.Bytes(),
	}
	for name, want := range samples {
		path := filepath.Join("testdata", name)
		if *updateSamples {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from what migratetest writes (%v); run with -update-samples", path, err)
		}
	}
	// groups.io's zip holds a modification time, so it is only read back.
	zipPath := filepath.Join("testdata", "groupsio-messages.zip")
	if *updateSamples {
		if err := migratetest.WriteGroupsIOZip(&izip, posts, "readers"); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(zipPath, izip.Bytes(), 0o644)
	}
	z, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := MboxFromZip(bytes.NewReader(z), int64(len(z)))
	if err != nil || !bytes.Contains(mb, []byte("X-Groupsio-Msgnum: 6")) {
		t.Errorf("groupsio-messages.zip: %v", err)
	}
	if name, err := ListNameFromMbox(bytes.NewReader(mb), int64(len(mb))); name != "readers" {
		t.Errorf("name from groups.io List-Id: %q %v", name, err)
	}
	if name, err := ListNameFromMbox(bytes.NewReader(gmbox.Bytes()), int64(gmbox.Len())); name != "readers" {
		t.Errorf("name from Google List-ID: %q %v", name, err)
	}
	for _, read := range []func() (*Source, error){
		func() (*Source, error) { return ReadGoogleGroups(bytes.NewReader(gcsv.Bytes()), "readers") },
		func() (*Source, error) { return ReadGroupsIO(bytes.NewReader(icsv.Bytes()), "readers") },
	} {
		src, err := read()
		if err != nil || len(src.Members) != 5 {
			t.Errorf("sample roster: %v, %d members", err, len(src.Members))
		}
	}
}

// The Mailman 2 fixture is what its committed generator writes.
func TestMailman2FixtureIsGenerated(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed; the committed config.pck is used as it is")
	}
	dir := t.TempDir()
	script, _ := filepath.Abs("testdata/make_mailman2_config.py")
	cmd := exec.Command(py, script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "mailman2-config.pck"))
	want, _ := os.ReadFile("testdata/mailman2-config.pck")
	if !bytes.Equal(got, want) {
		t.Error("testdata/mailman2-config.pck differs from what make_mailman2_config.py writes; run it in testdata")
	}
}

// The Mailman 3 REST answers the test server gives, as samples.
func TestMailman3Samples(t *testing.T) {
	roster := append(migratetest.Roster()[:4], migratetest.Roster()[100])
	srv := mailmanREST(t, roster)
	for name, path := range map[string]string{
		"mailman3-list.json":          "/3.1/lists/readers@lists.example.org",
		"mailman3-config.json":        "/3.1/lists/readers.lists.example.org/config",
		"mailman3-roster-member.json": "/3.1/lists/readers.lists.example.org/roster/member?count=500&page=1",
	} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.SetBasicAuth("restadmin", "restpass")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.MarshalIndent(v, "", "    ")
		want = append(want, '\n')
		file := filepath.Join("testdata", name)
		if *updateSamples {
			os.WriteFile(file, want, 0o644)
			continue
		}
		if got, err := os.ReadFile(file); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the test server's answer (%v); run with -update-samples", file, err)
		}
	}
}
