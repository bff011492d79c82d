// Command minyan-load measures minyan's fan-out and intake on this
// machine, the way a list owner would run it: it starts the built
// `minyan serve` as a separate process with a temporary config, imports a
// roster through the CLI, posts over SMTP and waits until the relay has
// every recipient. It reports recipients per second, the daemon's CPU
// seconds and its peak RSS.
//
//	go build -o minyan ./cmd/minyan && go run ./cmd/minyan-load -minyan ./minyan
//	go run ./cmd/minyan-load -minyan ./minyan -sink 127.0.0.1:2526   # Postfix smtp-sink
//
// With -sink the relay is an external SMTP sink (such as Postfix's
// smtp-sink); completion is then read from minyan's own /metrics
// (deliveries ok and queue depth), since such a sink reports nothing back.
// The daemon runs with server.resolver = "off" unless -resolver says
// otherwise, so a load run sends no traffic beyond loopback.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"minyan/listserv/smtpsink"
)

func main() {
	bin := flag.String("minyan", "./minyan", "path of the built minyan binary")
	members := flag.Int("members", 10000, "roster size for the fan-out runs")
	modes := flag.String("modes", "batched,personalized", "fan-out runs: batched, personalized, alert, alert-batched (comma-separated; alert runs post an action alert, #alert from the list's owner)")
	sinkAddr := flag.String("sink", "", "external SMTP sink host:port (default: an in-process sink)")
	posts := flag.Int("posts", 4000, "posts for the intake run (0 skips it)")
	conns := flag.Int("conns", 8, "parallel SMTP connections for the intake run")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up a run after this long")
	resolver := flag.String("resolver", "off", "the daemon's server.resolver: off (no DNS traffic), \"\" (the system's) or host:port")
	flag.Parse()
	if err := run(*bin, *members, strings.Split(*modes, ","), *sinkAddr, *resolver, *posts, *conns, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "minyan-load:", err)
		os.Exit(1)
	}
}

func run(bin string, members int, modes []string, sinkAddr, resolver string, posts, conns int, timeout time.Duration) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("minyan binary: %w (build it: go build -o minyan ./cmd/minyan)", err)
	}
	fmt.Printf("minyan-load: %d members, modes %v, sink %s\n", members, modes, or(sinkAddr, "in-process"))
	fmt.Println("run\trecipients\tseconds\trcpt/s\tserve CPU s\tserve peak RSS MiB\tseconds from DATA")
	for _, mode := range modes {
		mode = strings.TrimSpace(mode)
		var personalize, alert bool
		switch mode {
		case "batched":
		case "personalized":
			personalize = true
		case "alert":
			personalize, alert = true, true
		case "alert-batched":
			alert = true
		default:
			return fmt.Errorf("unknown mode %q", mode)
		}
		if err := fanout(bin, members, personalize, alert, sinkAddr, resolver, timeout); err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
	}
	if posts > 0 {
		if err := intake(bin, posts, conns, sinkAddr, resolver, timeout); err != nil {
			return fmt.Errorf("intake: %w", err)
		}
	}
	return nil
}

// daemon is one `minyan serve` under test.
type daemon struct {
	bin, dir, cfg, smtp, http string
	cmd                       *exec.Cmd
	sink                      *smtpsink.Sink
}

func startDaemon(bin, sinkAddr, resolver string) (*daemon, error) {
	dir, err := os.MkdirTemp("", "minyan-load")
	if err != nil {
		return nil, err
	}
	d := &daemon{bin: bin, dir: dir, cfg: filepath.Join(dir, "config.toml"), smtp: freePort(), http: freePort()}
	relay := sinkAddr
	if relay == "" {
		if d.sink, err = smtpsink.Start(); err != nil {
			return nil, err
		}
		d.sink.Discard(true)
		relay = d.sink.Addr
	}
	conf := fmt.Sprintf("[server]\ndomain = \"lists.example.org\"\ndata_dir = %q\nsmtp_listen = %q\nhttp_listen = %q\nimap_listen = \"\"\nresolver = %q\npublic_url = \"http://%s\"\n\n[relay]\naddress = %q\nconnections = 4\nmax_recipients = 500\n",
		filepath.Join(dir, "data"), d.smtp, d.http, resolver, d.http, relay)
	if err := os.WriteFile(d.cfg, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	d.cmd = exec.Command(bin, "serve", "--config", d.cfg)
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, err
	}
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	// Up means both doors the runs use answer: SMTP, and the admin
	// socket the CLI talks to (opened last, after the listeners).
	sock := filepath.Join(dir, "data", "admin.sock")
	for i := 0; i < 1000; i++ {
		if c, err := net.Dial("tcp", d.smtp); err == nil {
			c.Close()
			if a, err := net.Dial("unix", sock); err == nil {
				a.Close()
				return d, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.stop()
	return nil, errors.New("minyan serve did not start; see " + filepath.Join(dir, "serve.log"))
}

func (d *daemon) stop() {
	if d.cmd != nil && d.cmd.Process != nil {
		d.cmd.Process.Signal(syscall.SIGTERM)
		d.cmd.Wait()
	}
	if d.sink != nil {
		d.sink.Close()
	}
	os.RemoveAll(d.dir)
}

func (d *daemon) cli(args ...string) error {
	out, err := exec.Command(d.bin, append([]string{"--config", d.cfg}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("minyan %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// usage reads the daemon's CPU seconds and peak RSS from /proc.
func (d *daemon) usage() (cpu float64, peakMiB float64) {
	pid := strconv.Itoa(d.cmd.Process.Pid)
	if b, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil {
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if len(f) > 12 {
			ut, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			cpu = (ut + st) / 100 // USER_HZ
		}
	}
	if b, err := os.ReadFile("/proc/" + pid + "/status"); err == nil {
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
				peakMiB = kb / 1024
			}
		}
	}
	return cpu, peakMiB
}

// delivered counts recipients accepted by the relay: from the in-process
// sink, or from minyan's /metrics for an external sink.
func (d *daemon) delivered() (int64, error) {
	if d.sink != nil {
		return d.sink.Delivered(), nil
	}
	resp, err := http.Get("http://" + d.http + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, `minyan_deliveries_total{result="ok"} `); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f), err
		}
	}
	return 0, errors.New("no deliveries counter in /metrics")
}

// fanout posts once to an n-member list and waits for every copy. With
// alert the post is an action alert (every copy personal: its own token
// link and Reply-To), whatever personalize says. The last column counts
// from before DATA, so it includes the commit of the fan-out (tokens and
// alert records for an alert).
func fanout(bin string, n int, personalize, alert bool, sinkAddr, resolver string, timeout time.Duration) error {
	d, err := startDaemon(bin, sinkAddr, resolver)
	if err != nil {
		return err
	}
	defer d.stop()
	if err := d.cli("list", "create", "--kind", "discussion", "load"); err != nil {
		return err
	}
	if err := d.cli("list", "set", "load", "personalize="+strconv.FormatBool(personalize), "dmarc_mitigation=never"); err != nil {
		return err
	}
	var csv strings.Builder
	csv.WriteString("email,role\nposter@example.net,owner\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&csv, "m%06d@example.net,member\n", i)
	}
	roster := filepath.Join(d.dir, "roster.csv")
	if err := os.WriteFile(roster, []byte(csv.String()), 0o600); err != nil {
		return err
	}
	if err := d.cli("member", "import", "load", roster); err != nil {
		return err
	}
	cpu0, _ := d.usage()
	base, err := d.delivered()
	if err != nil {
		return err
	}
	subject := "Fan-out test"
	if alert {
		subject = "#alert Fan-out test"
	}
	t0 := time.Now()
	start, err := postOnce(d.smtp, "poster@example.net", "load@lists.example.org", subject, 0)
	if err != nil {
		return err
	}
	deadline := start.Add(timeout)
	for {
		got, err := d.delivered()
		if err != nil {
			return err
		}
		if got-base >= int64(n) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d delivered after %s", got-base, n, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
	el := time.Since(start)
	cpu1, peak := d.usage()
	total := time.Since(t0)
	name := "batched"
	if personalize {
		name = "personalized"
	}
	if alert {
		name = "alert-" + name
	}
	fmt.Printf("%s\t%d\t%.3f\t%.0f\t%.2f\t%.1f\t%.3f\n", name, n, el.Seconds(), float64(n)/el.Seconds(), cpu1-cpu0, peak, total.Seconds())
	return nil
}

// body is a ~4 KB post.
func body(i int) string {
	var b strings.Builder
	for b.Len() < 4096 {
		fmt.Fprintf(&b, "Line %d of a post about the next training session, with enough words to be real.\r\n", b.Len()/80)
	}
	return b.String()
}

// postOnce sends one post and returns when its DATA was answered 250.
func postOnce(addr, from, to, subject string, i int) (time.Time, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return time.Time{}, err
	}
	defer c.Close()
	if err := sendOn(c, from, to, subject, i); err != nil {
		return time.Time{}, err
	}
	t := time.Now()
	c.Quit()
	return t, nil
}

func sendOn(c *smtp.Client, from, to, subject string, i int) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s %d\r\nMessage-ID: <load-%d-%d@example.net>\r\nDate: %s\r\n\r\n%s",
		from, to, subject, i, time.Now().UnixNano(), i, time.Now().Format(time.RFC1123Z), body(i))
	if _, err := io.WriteString(w, msg); err != nil {
		return err
	}
	return w.Close()
}

// intake measures accepted-and-committed posts per second over parallel
// SMTP connections (each post archived and queued in one transaction).
func intake(bin string, posts, conns int, sinkAddr, resolver string, timeout time.Duration) error {
	d, err := startDaemon(bin, sinkAddr, resolver)
	if err != nil {
		return err
	}
	defer d.stop()
	if err := d.cli("list", "create", "--kind", "discussion", "intake"); err != nil {
		return err
	}
	if err := d.cli("list", "set", "intake", "dmarc_mitigation=never"); err != nil {
		return err
	}
	if err := d.cli("member", "add", "intake", "poster@example.net", "reader@example.net"); err != nil {
		return err
	}
	cpu0, _ := d.usage()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(d.smtp)
			if err != nil {
				failed.Add(1)
				return
			}
			defer c.Close()
			for {
				i := int(next.Add(1))
				if i > posts || time.Since(start) > timeout {
					c.Quit()
					return
				}
				if err := sendOn(c, "poster@example.net", "intake@lists.example.org", "Intake", i); err != nil {
					failed.Add(1)
					c.Reset()
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu1, peak := d.usage()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("%d of %d posts failed", f, posts)
	}
	fmt.Printf("intake (%d conns)\t%d posts\t%.3f\t%.0f posts/s\t%.2f\t%.1f\n", conns, posts, el.Seconds(), float64(posts)/el.Seconds(), cpu1-cpu0, peak)
	return nil
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func or(a, b string) string {
	if a == "" {
		return b
	}
	return a
}
