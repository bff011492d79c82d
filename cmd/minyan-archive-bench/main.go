// Command minyan-archive-bench measures minyan's web archive and search
// side by side with public-inbox on the same generated mbox, the way the
// numbers in docs/performance.md were made:
//
//	go build -o minyan ./cmd/minyan
//	go run ./cmd/minyan-archive-bench -minyan ./minyan -n 100000
//	go run ./cmd/minyan-archive-bench -minyan ./minyan -n 10000 -d 3s   # a quicker run
//
// It writes a deterministic mbox of n posts (threads of five, a Zipf
// vocabulary so common words are common, quotes, signatures, a Hebrew
// post now and then), imports it into minyan (`minyan archive import`,
// which indexes it) and, when Debian's public-inbox package is installed
// (public-inbox-init, public-inbox-index, public-inbox-httpd on PATH),
// into a v1 public-inbox (git fast-import, then public-inbox-index).
// Then it asks both the same questions over loopback: a message page, a
// thread page, the archive's thread list and eight searches, with one
// client and with 32, and a mixed search load with 32 clients. The load
// generator is wrk when installed, otherwise a small client in this
// program. Every figure is printed with the load average of the moment,
// since the machine may be shared.
//
// Only 127.0.0.1 is ever contacted.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("minyan", "./minyan", "path of the built minyan binary")
	n := flag.Int("n", 100_000, "posts in the generated archive")
	dur := flag.Duration("d", 5*time.Second, "how long each measurement runs")
	dir := flag.String("dir", "", "work directory (default: a new temporary one, removed at the end)")
	skipPI := flag.Bool("no-public-inbox", false, "measure minyan alone")
	piWorkers := flag.Int("pi-workers", 2, "public-inbox-httpd worker processes (-W)")
	flag.Parse()
	if err := run(*bin, *n, *dur, *dir, *skipPI, *piWorkers); err != nil {
		fmt.Fprintln(os.Stderr, "minyan-archive-bench:", err)
		os.Exit(1)
	}
}

// server is one archive under test: where it answers and how its pages
// are named.
type server struct {
	name string
	base string
	cmd  *exec.Cmd
	// paths for the requests, by request name
	paths map[string]string
	// import and disk figures
	importTime time.Duration
	diskMiB    float64
}

// request names, in the order of the table.
var requests = []string{"message", "thread", "threads", "search time", "search and", "search rare",
	"search two terms", "search phrase", "search from", "search negation", "search dates"}

func run(bin string, n int, dur time.Duration, dir string, skipPI bool, piWorkers int) error {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("minyan binary: %w (build it: go build -o minyan ./cmd/minyan)", err)
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "minyan-archive-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	fmt.Printf("minyan-archive-bench: %d posts, %s a measurement, load average %s\n", n, dur, loadAvg())
	mbox := filepath.Join(dir, "archive.mbox")
	msgs, err := writeMbox(mbox, n)
	if err != nil {
		return err
	}
	var servers []*server
	m, err := startMinyan(abs, dir, mbox, n)
	if m != nil {
		defer stopCmd(m.cmd)
	}
	if err != nil {
		return err
	}
	servers = append(servers, m)
	fmt.Printf("minyan: import + index %.1f s, disk %.0f MiB (load average %s)\n", m.importTime.Seconds(), m.diskMiB, loadAvg())
	if _, err := exec.LookPath("public-inbox-httpd"); err == nil && !skipPI {
		p, err := startPublicInbox(dir, msgs, n, piWorkers)
		if p != nil {
			defer stopCmd(p.cmd)
		}
		if err != nil {
			return err
		}
		servers = append(servers, p)
		fmt.Printf("public-inbox: import + index %.1f s, disk %.0f MiB (load average %s)\n", p.importTime.Seconds(), p.diskMiB, loadAvg())
	} else if !skipPI {
		fmt.Println("public-inbox is not installed (apt-get install public-inbox): measuring minyan alone")
	}
	useWrk := false
	if _, err := exec.LookPath("wrk"); err == nil {
		useWrk = true
	}
	fmt.Printf("load generator: %s\n\n", map[bool]string{true: "wrk", false: "built-in client"}[useWrk])

	results := map[string]map[string]result{} // server -> row -> result
	for _, s := range servers {
		results[s.name] = map[string]result{}
		// warm the caches once (first thread list, first search)
		for _, r := range requests {
			get(s.base + s.paths[r])
		}
	}
	measureRow := func(row string, clients int, paths func(*server) []string) {
		for _, s := range servers {
			res, err := load(useWrk, s.base, paths(s), clients, dur)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s %s: %v\n", s.name, row, err)
				continue
			}
			res.load = loadAvg()
			results[s.name][row] = res
		}
	}
	var rows []string
	for _, r := range requests {
		for _, c := range []int{1, 32} {
			if strings.HasPrefix(r, "search ") && c == 32 {
				continue // the mixed row below covers searches at 32 clients
			}
			row := fmt.Sprintf("%s, %d client", r, c)
			if c > 1 {
				row += "s"
			}
			rows = append(rows, row)
			measureRow(row, c, func(s *server) []string { return []string{s.paths[r]} })
		}
	}
	mixed := "mixed searches, 32 clients"
	rows = append(rows, mixed)
	measureRow(mixed, 32, func(s *server) []string {
		var out []string
		for _, r := range requests {
			if strings.HasPrefix(r, "search ") {
				out = append(out, s.paths[r])
			}
		}
		return out
	})

	fmt.Printf("%-32s", "request")
	for _, s := range servers {
		fmt.Printf(" | %-34s", s.name+" median / p99 / req/s")
	}
	if len(servers) == 2 {
		fmt.Printf(" | %s", "median ratio (public-inbox / minyan)")
	}
	fmt.Println()
	for _, row := range rows {
		fmt.Printf("%-32s", row)
		for _, s := range servers {
			r, ok := results[s.name][row]
			if !ok {
				fmt.Printf(" | %-34s", "failed")
				continue
			}
			fmt.Printf(" | %-34s", fmt.Sprintf("%s / %s / %.0f (la %s)", ms(r.p50), ms(r.p99), r.rps, r.load))
		}
		if len(servers) == 2 {
			a, okA := results[servers[0].name][row]
			b, okB := results[servers[1].name][row]
			if okA && okB && a.p50 > 0 {
				fmt.Printf(" | %.2f (req/s %.2f)", float64(b.p50)/float64(a.p50), a.rps/max(b.rps, 0.001))
			}
		}
		fmt.Println()
	}
	if len(servers) == 2 {
		fmt.Printf("%-32s | %.1f s | %.1f s | %.2f\n", "import + index", servers[0].importTime.Seconds(), servers[1].importTime.Seconds(),
			servers[1].importTime.Seconds()/servers[0].importTime.Seconds())
		fmt.Printf("%-32s | %.0f MiB | %.0f MiB | %.2f\n", "disk", servers[0].diskMiB, servers[1].diskMiB, servers[1].diskMiB/servers[0].diskMiB)
	}
	return nil
}

// The generated archive: its words, so the searches have something to find.
var (
	topics = []string{"chevruta pairing", "budget review", "zebra crossing", "study guide", "curriculum draft",
		"shabbat dinner", "retreat planning", "volunteer roster"}
	// common words first: a Zipf draw over this list makes "the" and
	// "and" land in most posts, "time" in roughly one in eight.
	vocab = strings.Fields(`the and to of a in is that for it we on with be this are at
		have not you will as our from or by can about all please if would so what there
		one more time next week people meeting there should also new group know think like
		who were when your up out need any some them could make just how other help want
		over only good work room may then list first last text book page class study
		learning teacher student question answer morning evening friday sunday kiddush
		minyan service prayer torah portion parsha commentary rabbi cantor choir music
		holiday festival candle lighting dinner lunch breakfast potluck dessert salad
		bread wine challah soup kitchen hall garden library office building parking
		ticket donation pledge fund treasurer secretary board committee chair member
		volunteer schedule calendar reminder email phone address website newsletter
		bulletin announcement update change cancel postpone confirm reply thanks
		welcome family children youth teen adult senior school program workshop
		lecture discussion series session topic reading chapter verse line word
		idea plan draft review feedback comment suggestion proposal vote decision
		minutes agenda report budget cost price money check payment receipt invoice`)
	hebrew = []string{"שבת שלום לכולם", "לימוד בחברותא", "תודה רבה על הכל"}
)

// message is one generated post, for public-inbox's import.
type message struct {
	mid  string
	date time.Time
	from string
	subj string
	raw  []byte // without the mbox From line
}

// writeMbox writes n posts to path and returns them (only the index
// fields and raw bytes; a 100,000-post archive is about 100 MB).
func writeMbox(path string, n int) ([]message, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(28, 2026))
	zipf := rand.NewZipf(rng, 1.07, 2, uint64(len(vocab)-1))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]message, 0, n)
	var body bytes.Buffer
	for i := 1; i <= n; i++ {
		d := t0.Add(time.Duration(i) * 5 * time.Minute)
		thread := (i-1)/5*5 + 1
		topic := topics[(thread/5)%len(topics)]
		subj := fmt.Sprintf("%s %d", topic, thread)
		var hdr bytes.Buffer
		user := i % 300
		fmt.Fprintf(&hdr, "From: User %d <user%d@example.org>\nTo: big@lists.example.org\n", user, user)
		if i != thread {
			subj = "Re: " + subj
			fmt.Fprintf(&hdr, "In-Reply-To: <m%d@example.org>\nReferences: <m%d@example.org>\n", thread, thread)
		}
		fmt.Fprintf(&hdr, "Subject: %s\nMessage-ID: <m%d@example.org>\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n",
			subj, i, d.Format(time.RFC1123Z))
		body.Reset()
		fmt.Fprintf(&body, "Thoughts on the %s, message %d.\n", topic, i)
		for s := range 2 + rng.IntN(4) {
			words := 6 + rng.IntN(10)
			for k := range words {
				if k > 0 {
					body.WriteByte(' ')
				}
				body.WriteString(vocab[zipf.Uint64()])
			}
			body.WriteString(".\n")
			if s == 0 && i%1000 == 0 {
				body.WriteString("The xylophone arrives on Tuesday.\n") // the rare term: n/1000 posts
			}
		}
		if i%50 == 0 {
			body.WriteString(hebrew[(i/50)%len(hebrew)] + "\n")
		}
		fmt.Fprintf(&body, "See https://example.net/doc/%d for the plan #%s\n\n> earlier words quoted here\n> and more\n\n-- \nUser %d\n",
			i%2000, []string{"guides", "budget", "events", "learning"}[i%4], user)
		raw := append(hdr.Bytes(), body.Bytes()...)
		fmt.Fprintf(w, "From user%d@example.org %s\n", user, d.Format(time.ANSIC))
		// mboxrd: quote From lines in the body
		for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
			if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
				w.WriteByte('>')
			}
			w.Write(line)
		}
		w.WriteString("\n")
		out = append(out, message{mid: fmt.Sprintf("m%d@example.org", i), date: d, from: fmt.Sprintf("User %d <user%d@example.org>", user, user), subj: subj, raw: raw})
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return out, f.Close()
}

// searches are the queries of the table, in each server's syntax: the
// same question asked of both.
func searches(minyan bool, n int) map[string]string {
	// a tenth of the archive's days, in its middle
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Duration(n) * 5 * time.Minute
	from := t0.Add(span * 45 / 100).Truncate(24 * time.Hour)
	to := from.Add(max(span/10, 24*time.Hour)).Truncate(24 * time.Hour)
	if minyan {
		return map[string]string{
			"search time": "time", "search and": "and", "search rare": "xylophone",
			"search two terms": "budget kiddush", "search phrase": `"study guide"`,
			"search from": "from:user7", "search negation": "budget -kiddush",
			"search dates": "after:" + from.Format("2006-01-02") + " before:" + to.Format("2006-01-02"),
		}
	}
	return map[string]string{
		"search time": "time", "search and": "and", "search rare": "xylophone",
		"search two terms": "budget kiddush", "search phrase": `"study guide"`,
		"search from": "f:user7", "search negation": "budget -kiddush",
		"search dates": "d:" + from.Format("20060102") + ".." + to.AddDate(0, 0, -1).Format("20060102"),
	}
}

func startMinyan(bin, dir, mbox string, n int) (*server, error) {
	d := filepath.Join(dir, "minyan")
	if err := os.MkdirAll(d, 0o750); err != nil {
		return nil, err
	}
	addr := freePort()
	cfg := filepath.Join(d, "config.toml")
	conf := fmt.Sprintf("[server]\ndomain = \"lists.example.org\"\ndata_dir = %q\nsmtp_listen = %q\nimap_listen = \"\"\nhttp_listen = %q\nresolver = \"off\"\npublic_url = \"http://%s\"\n\n[web]\narchive = true\n",
		filepath.Join(d, "data"), freePort(), addr, addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cli := func(args ...string) error {
		out, err := exec.Command(bin, append([]string{"--config", cfg}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("minyan %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := cli("list", "create", "--kind", "discussion", "big"); err != nil {
		return nil, err
	}
	if err := cli("list", "set", "big", "archive=public"); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cli("archive", "import", "big", mbox); err != nil {
		return nil, err
	}
	s := &server{name: "minyan", base: "http://" + addr, importTime: time.Since(start)}
	s.cmd = exec.Command(bin, "serve", "--config", cfg)
	logf, err := os.Create(filepath.Join(d, "serve.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitHTTP(s.base + "/search?q=zebra"); err != nil {
		return s, fmt.Errorf("minyan serve: %w (see %s)", err, logf.Name())
	}
	// At rest: the search index drops the segments its last merge
	// replaced when it is opened again.
	s.diskMiB = duMiB(filepath.Join(d, "data"))
	mid, th := n/2, (n/2-1)/5*5+1
	s.paths = map[string]string{
		"message": fmt.Sprintf("/lists/big/m/%d", mid),
		"thread":  fmt.Sprintf("/lists/big/m/%d", th),
		"threads": "/lists/big/archive",
	}
	for k, q := range searches(true, n) {
		s.paths[k] = "/search?" + url.Values{"q": {q}, "list": {"big"}}.Encode()
	}
	return s, nil
}

func startPublicInbox(dir string, msgs []message, n, workers int) (*server, error) {
	d := filepath.Join(dir, "public-inbox")
	inbox := filepath.Join(d, "big")
	if err := os.MkdirAll(d, 0o750); err != nil {
		return nil, err
	}
	addr := freePort()
	env := append(os.Environ(), "PI_CONFIG="+filepath.Join(d, "config"), "HOME="+d)
	runPI := func(stdin io.Reader, name string, args ...string) error {
		c := exec.Command(name, args...)
		c.Env, c.Stdin, c.Dir = env, stdin, d
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	start := time.Now()
	if err := runPI(nil, "public-inbox-init", "-V1", "big", inbox, "http://"+addr+"/big", "big@lists.example.org"); err != nil {
		return nil, err
	}
	// One commit a message, the file named by the SHA-1 of its
	// Message-ID (public-inbox's v1 layout), through git fast-import.
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		for i, m := range msgs {
			sum := sha1.Sum([]byte(m.mid))
			h := hex.EncodeToString(sum[:])
			fmt.Fprintf(w, "commit refs/heads/master\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\ndata %d\n%s\n",
				i+1, m.from, m.date.Unix(), m.from, m.date.Unix(), len(m.subj)+1, m.subj)
			if i > 0 {
				fmt.Fprintf(w, "from :%d\n", i)
			}
			fmt.Fprintf(w, "M 100644 inline %s/%s\ndata %d\n", h[:2], h[2:], len(m.raw))
			w.Write(m.raw)
			w.WriteString("\n")
		}
		pw.CloseWithError(w.Flush())
	}()
	if err := runPI(pr, "git", "--git-dir="+inbox, "fast-import", "--quiet"); err != nil {
		return nil, err
	}
	if err := runPI(nil, "public-inbox-index", inbox); err != nil {
		return nil, err
	}
	s := &server{name: "public-inbox", base: "http://" + addr, importTime: time.Since(start), diskMiB: duMiB(inbox)}
	s.cmd = exec.Command("public-inbox-httpd", "-W", strconv.Itoa(workers), "-l", addr)
	s.cmd.Env, s.cmd.Dir = env, d
	logf, err := os.Create(filepath.Join(d, "httpd.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitHTTP(s.base + "/big/?q=zebra"); err != nil {
		return s, fmt.Errorf("public-inbox-httpd: %w (see %s)", err, logf.Name())
	}
	mid, th := n/2, (n/2-1)/5*5+1
	s.paths = map[string]string{
		"message": fmt.Sprintf("/big/m%d@example.org/", mid),
		"thread":  fmt.Sprintf("/big/m%d@example.org/T/", th),
		"threads": "/big/",
	}
	for k, q := range searches(false, n) {
		s.paths[k] = "/big/?" + url.Values{"q": {q}}.Encode()
	}
	return s, nil
}

// result is one measurement.
type result struct {
	p50, p99 time.Duration
	rps      float64
	load     string
}

func load(useWrk bool, base string, paths []string, clients int, dur time.Duration) (result, error) {
	if useWrk {
		return loadWrk(base, paths, clients, dur)
	}
	return loadGo(base, paths, clients, dur)
}

// loadWrk runs wrk over paths (round robin) and reads its latency
// percentiles and rate.
func loadWrk(base string, paths []string, clients int, dur time.Duration) (result, error) {
	f, err := os.CreateTemp("", "bench-*.lua")
	if err != nil {
		return result{}, err
	}
	defer os.Remove(f.Name())
	var lua strings.Builder
	lua.WriteString("local paths = {")
	for i, p := range paths {
		if i > 0 {
			lua.WriteString(", ")
		}
		fmt.Fprintf(&lua, "%q", p)
	}
	lua.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
	lua.WriteString("done = function(summary, latency, requests)\n  io.write(string.format(\"P50 %d\\nP99 %d\\nN %d\\nERR %d\\n\", latency:percentile(50), latency:percentile(99), summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))\nend\n")
	f.WriteString(lua.String())
	f.Close()
	threads := min(clients, 2)
	out, err := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients), "-d", dur.String(),
		"--timeout", "10s", "-s", f.Name(), base+paths[0]).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	var r result
	var nreq, nerr float64
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		x, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch k {
		case "P50":
			r.p50 = time.Duration(x) * time.Microsecond
		case "P99":
			r.p99 = time.Duration(x) * time.Microsecond
		case "N":
			nreq = x
		case "ERR":
			nerr = x
		}
	}
	if nerr > 0 {
		return r, fmt.Errorf("%v of %v requests failed", nerr, nreq)
	}
	r.rps = nreq / dur.Seconds()
	return r, nil
}

// loadGo is the load generator when wrk is missing: clients loops of
// keep-alive GETs over paths.
func loadGo(base string, paths []string, clients int, dur time.Duration) (result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs error
		wg   sync.WaitGroup
	)
	end := time.Now().Add(dur)
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := k; time.Now().Before(end); i++ {
				t0 := time.Now()
				resp, err := c.Get(base + paths[i%len(paths)])
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = errors.New(resp.Status)
					}
				}
				if err != nil {
					mu.Lock()
					errs = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if errs != nil || len(lat) == 0 {
		return result{}, fmt.Errorf("requests failed: %v", errs)
	}
	slices.Sort(lat)
	return result{p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], rps: float64(len(lat)) / dur.Seconds()}, nil
}

func get(u string) {
	resp, err := http.Get(u)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// waitHTTP waits until u answers 200 (a daemon that has just started).
func waitHTTP(u string) error {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("did not answer 200 at " + u)
}

func stopCmd(c *exec.Cmd) {
	if c != nil && c.Process != nil {
		c.Process.Signal(syscall.SIGTERM)
		c.Wait()
	}
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func duMiB(path string) float64 {
	var total int64
	filepath.Walk(path, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			} else {
				total += fi.Size()
			}
		}
		return nil
	})
	return float64(total) / (1 << 20)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return "?"
	}
	return f[0]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}
