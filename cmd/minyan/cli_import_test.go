package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/store"
)

// writeCSV puts content in a temp file and returns its path.
func writeCSV(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "members.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMemberImportBadRows(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "team", "discussion", "old@example.org")
	csv := "\ufeffName, E-Mail ,Good Standing,role,mode,phone\n" + // BOM, any order, any case, extra column
		"Ann,ann@example.org,true,,,555\n" + // line 2
		"Bob,not-an-address,,,,\n" + // 3: bad address
		"Cy,cy@example.org,,boss,,\n" + // 4: bad role
		"Di,di@example.org,,,weekly,\n" + // 5: bad mode
		"Ed,ed@example.org,perhaps,,,\n" + // 6: bad bool
		"Fay,fay@example.org\n" + // 7: too few fields
		"\"Gil\nGreen\",gil@example.org,no,moderator,digest,\n" + // 8-9: quoted newline is fine
		"Old,OLD@example.org,yes,owner,,\n" + // 10: updates an existing member
		"Ann again,ann@example.org,,,,\n" + // 11: duplicate
		",,,,,\n" // 12: no address
	path := writeCSV(t, csv)
	r := cliRun(t, app, "member", "import", "team", path)
	wantErr := strings.Join([]string{
		`minyan: PATH: ignoring unknown column "phone" (known: email, name, role, mode, good_standing)`,
		`minyan: PATH, line 3: "not-an-address" is not an email address; row skipped`,
		`minyan: PATH, line 4: role "boss": must be member, facilitator, moderator or owner; row skipped`,
		`minyan: PATH, line 5: mode "weekly": must be each, digest or nomail; row skipped`,
		`minyan: PATH, line 6: good_standing "perhaps": must be true or false; row skipped`,
		`minyan: PATH, line 7: 2 fields where the header has 6; row skipped`,
		`minyan: PATH, line 11: ann@example.org is already on line 2; row skipped`,
		`minyan: PATH, line 12: no email address; row skipped`,
	}, "\n") + "\n"
	r.expect(t, 1, "imported 3 rows into team: 2 new, 1 updated, 0 waitlisted; 7 bad rows\n",
		strings.ReplaceAll(wantErr, "PATH", path))

	cliRun(t, app, "member", "ls", "team").expect(t, 0,
		"ann@example.org\tmember\teach\tok\n"+
			"gil@example.org\tmoderator\tdigest\tok\n"+
			"old@example.org\towner\teach\tok\n", "")
	for addr, want := range map[string]store.Person{
		"ann@example.org": {Name: "Ann", GoodStanding: true},
		"gil@example.org": {Name: "Gil\nGreen", GoodStanding: false},
		"old@example.org": {Name: "Old", GoodStanding: true},
	} {
		p, err := app.Svc.Person(addr)
		if err != nil || p.Name != want.Name || p.GoodStanding != want.GoodStanding {
			t.Errorf("%s: %+v %v, want %+v", addr, p, err, want)
		}
	}
}

func TestMemberImportThousands(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "big", "discussion")
	var b strings.Builder
	b.WriteString("email,name\n")
	for i := 1; i <= 3000; i++ {
		if i == 1234 || i == 2999 {
			fmt.Fprintf(&b, "broken-%d,Person %d\n", i, i)
			continue
		}
		fmt.Fprintf(&b, "p%04d@example.org,Person %d\n", i, i)
	}
	path := writeCSV(t, b.String())
	prog := &recordingProgress{}
	var out, errb strings.Builder
	cio := localIO(strings.NewReader(""), &out, &errb, prog)
	code := runCommand(t.Context(), app, []string{"member", "import", "big", path}, cio)
	if code != 1 {
		t.Errorf("exit %d, want 1 (bad rows)", code)
	}
	if want := "imported 2998 rows into big: 2998 new, 0 updated, 0 waitlisted; 2 bad rows\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	// The header is line 1, so person i is on line i+1.
	wantErr := fmt.Sprintf("minyan: %s, line 1235: \"broken-1234\" is not an email address; row skipped\n"+
		"minyan: %s, line 3000: \"broken-2999\" is not an email address; row skipped\n", path, path)
	if errb.String() != wantErr {
		t.Errorf("stderr %q, want %q", errb.String(), wantErr)
	}
	if got := prog.String(); got != "start importing into big 2998; set 2998; finish" {
		t.Errorf("progress: %s", got)
	}
	ms, err := app.Svc.Members("big")
	if err != nil || len(ms) != 2998 {
		t.Fatalf("%d members, %v", len(ms), err)
	}

	// The same file again updates everyone.
	r := cliRun(t, app, "member", "import", "big", path)
	if r.code != 1 || r.stdout != "imported 2998 rows into big: 0 new, 2998 updated, 0 waitlisted; 2 bad rows\n" {
		t.Errorf("re-import: %+v", r)
	}
}

func TestMemberImportWholeFileProblems(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "team", "discussion")
	cliSetupList(t, app, "circle", "community")
	cliRun(t, app, "list", "set", "circle", "capacity=1").mustOK(t)

	for _, tc := range []struct{ name, csv, wantErr string }{
		{"empty", "", "the file is empty; it needs a header row"},
		{"no email column", "name,role\nAnn,member\n", "the header row has no email column"},
		{"no header", "ann@example.org,Ann\n", `the first row must be a header naming the columns (email, name, role, mode, good_standing), not an address such as "ann@example.org"`},
		{"twice", "email,Email\n", `column "Email" appears twice`},
	} {
		path := writeCSV(t, tc.csv)
		r := cliRun(t, app, "member", "import", "team", path)
		if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "minyan: member import: "+path+": "+tc.wantErr) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
	r := cliRun(t, app, "member", "import", "team", filepath.Join(t.TempDir(), "missing.csv"))
	if r.code != 1 || !strings.Contains(r.stderr, "no such file or directory") {
		t.Errorf("missing file: %+v", r)
	}
	r = cliRun(t, app, "member", "import", "nope", writeCSV(t, "email\na@example.org\n"))
	r.expect(t, 1, "", "minyan: member import: no list named nope\n")

	// Standard input, header only in upper case, a full list waitlists.
	cliRunIn(t, app, "EMAIL\na@example.org\nb@example.org\n", "member", "import", "circle", "-").
		expect(t, 0, "imported 2 rows into circle: 1 new, 0 updated, 1 waitlisted; 0 bad rows\n", "")
}

// recordingProgress writes down what a command reported.
type recordingProgress struct{ events []string }

func (p *recordingProgress) Start(label string, total int64) {
	p.events = append(p.events, fmt.Sprintf("start %s %d", label, total))
}
func (p *recordingProgress) Set(done int64) { p.events = append(p.events, fmt.Sprintf("set %d", done)) }
func (p *recordingProgress) Finish()        { p.events = append(p.events, "finish") }
func (p *recordingProgress) String() string { return strings.Join(p.events, "; ") }

// FuzzParseMemberCSV: any file yields rows with valid addresses, or bad
// rows with line numbers, or an error; never a panic.
func FuzzParseMemberCSV(f *testing.F) {
	f.Add([]byte("email,name,role,mode,good_standing\na@example.org,A,owner,digest,yes\n"))
	f.Add([]byte("name,email\n\"x\ny\",b@example.org\nbad\"quote,c@example.org\n"))
	f.Add([]byte("\ufeffEMAIL\n\n\na@example.org\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, _ := parseMemberCSV(in, func(line int, msg string) {
			if line < 1 || msg == "" {
				t.Errorf("bad row report %d %q", line, msg)
			}
		}, func(string) {})
		for _, r := range rows {
			if r.line < 2 || r.spec.Address == "" {
				t.Errorf("row %+v", r)
			}
		}
	})
}
