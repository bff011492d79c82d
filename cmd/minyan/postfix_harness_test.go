package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// postfixInstance is a private Postfix: its own config_directory,
// queue_directory and data_directory under one temporary directory,
// listening on loopback only, started and stopped by the test.
type postfixInstance struct {
	t    *testing.T
	dir  string // root of the instance
	conf string // config_directory
	log  string // maillog_file
}

// requirePostfix skips without Postfix, except in CI (CI set), where a
// missing Postfix is a failure: the suite must not pass by skipping.
func requirePostfix(t *testing.T) {
	t.Helper()
	why := ""
	if _, err := exec.LookPath("postfix"); err != nil {
		why = "postfix is not installed (apt-get install -y postfix)"
	} else if _, err := os.Stat("/usr/lib/postfix/sbin/master"); err != nil {
		why = "postfix's master daemon is not at /usr/lib/postfix/sbin/master"
	} else if os.Geteuid() != 0 {
		why = "a private Postfix instance needs root to start"
	} else if _, err := user.Lookup("postfix"); err != nil {
		why = "the postfix user does not exist"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set and %s", why)
	}
	t.Skip(why)
}

// startPostfix writes main.cf, master.cf and the transport table and
// starts the instance. main holds extra main.cf lines; services holds
// extra master.cf lines (the inet listeners); transport holds the
// transport table's lines.
func startPostfix(t *testing.T, main, services, transport string) *postfixInstance {
	t.Helper()
	// Not t.TempDir: its parent is private to root, and Postfix's
	// daemons run as the postfix user.
	dir, err := os.MkdirTemp("", "minyan-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	p := &postfixInstance{t: t, dir: dir, conf: filepath.Join(dir, "etc"), log: filepath.Join(dir, "postfix.log")}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc", "spool", "data"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// master.lock and the verify cache live in data_directory, which
	// must belong to mail_owner.
	pu, err := user.Lookup("postfix")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(pu.Uid)
	if err := os.Chown(filepath.Join(dir, "data"), uid, -1); err != nil {
		t.Fatal(err)
	}
	mainCf := fmt.Sprintf(`compatibility_level = 3.6
config_directory = %[1]s/etc
queue_directory = %[1]s/spool
data_directory = %[1]s/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = %[1]s/postfix.log
maillog_file_prefixes = %[1]s
myhostname = mx.example.test
mydomain = example.test
myorigin = $myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
biff = no
# Test speed only: no pause before accepting a message while the queue
# manager is busy (default 1s a message), none after a client's errors.
in_flow_delay = 0
smtpd_error_sleep_time = 0
transport_maps = texthash:%[1]s/etc/transport
`, dir) + main
	masterCf := services + `pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`
	for name, body := range map[string]string{"main.cf": mainCf, "master.cf": masterCf, "transport": transport} {
		if err := os.WriteFile(filepath.Join(p.conf, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := p.postfix("start"); err != nil {
		t.Fatalf("postfix start: %v\n%s\n%s", err, out, p.logTail())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("postfix log:\n%s", p.logTail())
		}
		if out, err := p.postfix("stop"); err != nil {
			t.Errorf("postfix stop: %v\n%s", err, out)
		}
	})
	return p
}

// postfix runs the postfix command on this instance.
func (p *postfixInstance) postfix(args ...string) (string, error) {
	out, err := exec.Command("postfix", append([]string{"-c", p.conf}, args...)...).CombinedOutput()
	return string(out), err
}

// logTail is the end of the instance's log.
func (p *postfixInstance) logTail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 12000 {
		b = b[len(b)-12000:]
	}
	return string(b)
}

// logHas reports whether the log holds every one of the strings on one line.
func (p *postfixInstance) logHas(parts ...string) bool {
	b, _ := os.ReadFile(p.log)
	for _, line := range strings.Split(string(b), "\n") {
		ok := true
		for _, s := range parts {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// handedOut holds the ports fixedPort has given to a test of this binary.
var handedOut sync.Map

// fixedPort is a loopback address on a port that is free now and that
// nothing else in this test binary can take before a child process (the
// Postfix under test, or minyan serve) binds it: the port lies below the
// kernel's ephemeral range, from which every :0 listener and every
// outgoing connection of the other tests gets its port, and it is never
// handed out twice in one test binary.
func fixedPort(t *testing.T) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	const from = 20000
	if low <= from+100 {
		t.Fatalf("the ephemeral port range starts at %d: no fixed ports below it", low)
	}
	for range 100 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(from+rand.IntN(low-from)))
		if _, taken := handedOut.LoadOrStore(addr, true); taken {
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		ln.Close()
		return addr
	}
	t.Fatal("no free port below the ephemeral range")
	return ""
}
