package imapd

import (
	"os/exec"
	"strings"
	"testing"
)

// pythonScript drives the server with Python's imaplib, a client written
// independently of go-imap.
const pythonScript = `
import imaplib, sys
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
M = imaplib.IMAP4(host, port)
def show(*a): print(*a, flush=True)
show("login", M.login(user, pw)[0])
typ, boxes = M.list()
show("list", typ, b" ".join(boxes).decode())
typ, data = M.select("team", readonly=True)
show("select", typ, data[0].decode())
typ, data = M.fetch("1:*", "(UID FLAGS RFC822.SIZE ENVELOPE)")
show("fetch", typ, len([d for d in data if d]))
typ, data = M.uid("search", None, "FROM", '"carol"')
show("search", typ, data[0].decode())
typ, data = M.search("UTF-8", "SUBJECT", "café".encode())
show("search8", typ, data[0].decode())
typ, data = M.uid("fetch", "2", "(BODY.PEEK[1])")
show("part", typ, data[0][1].decode().strip())
typ, data = M.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
show("header", typ, data[0][1].decode().strip())
try:
    M.store("1", "+FLAGS", "\\\\Flagged")
    show("store", "OK?!")
except M.error as e:
    show("store", "refused")
typ, data = M.create("new")
show("create", typ, data[0].decode())
typ, data = M.status("team", "(MESSAGES UIDNEXT)")
show("status", typ, data[0].decode())
show("close", M.close()[0])
show("logout", M.logout()[0])
`

func TestPythonImaplib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	ts, pw := teamServer(t)
	host, port, _ := strings.Cut(ts.addr, ":")
	out, err := exec.Command(py, "-c", pythonScript, host, port, "alice@example.org", pw).CombinedOutput()
	if err != nil {
		t.Fatalf("imaplib: %v\n%s", err, out)
	}
	want := []string{
		"login OK",
		`list OK (\HasNoChildren) "/" INBOX (\HasNoChildren) "/" "team"`,
		"select OK 3",
		"fetch OK 3",
		"search OK 3",
		"search8 OK 3",
		"part OK See the attached file for Thursday.",
		"header OK Subject: Training curriculum",
		"store refused",
		"create NO [NOPERM] the mailboxes are the lists you may read; they cannot be created, deleted or renamed over IMAP",
		`status OK "team" (MESSAGES 3 UIDNEXT 4)`,
		"close OK",
		"logout BYE",
	}
	if got := strings.TrimSpace(string(out)); got != strings.Join(want, "\n") {
		t.Errorf("imaplib said:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}
