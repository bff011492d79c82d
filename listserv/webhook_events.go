package listserv

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"minyan/store"
)

// EventType names a webhook event.
type EventType string

// The events a webhook can subscribe to.
const (
	EventMemberJoined    EventType = "member.joined"
	EventMemberLeft      EventType = "member.left"
	EventMemberDisabled  EventType = "member.disabled"
	EventPostHeld        EventType = "post.held"
	EventPostDistributed EventType = "post.distributed"
	EventSessionRSVP     EventType = "session.rsvp"
	// EventAlertDone: a member acted on an action alert (reply or button).
	EventAlertDone EventType = "alert.done"
)

// EventTypes lists every event type.
func EventTypes() []EventType {
	return []EventType{EventMemberJoined, EventMemberLeft, EventMemberDisabled, EventPostHeld, EventPostDistributed, EventSessionRSVP, EventAlertDone}
}

// ParseEventType checks an event name.
func ParseEventType(v string) (EventType, error) {
	for _, e := range EventTypes() {
		if string(e) == v {
			return e, nil
		}
	}
	names := make([]string, 0, 6)
	for _, e := range EventTypes() {
		names = append(names, string(e))
	}
	return "", fmt.Errorf("unknown event %q: events are %s", v, strings.Join(names, ", "))
}

// eventBody is what a webhook receives.
type eventBody struct {
	Type EventType `json:"type"`
	Time string    `json:"time"`
	List string    `json:"list"`
	Data any       `json:"data"`
}

// emit queues an event for every webhook that wants it, in tx: the event
// is stored if and only if the change it reports is.
func (s *Service) emit(tx *store.Tx, typ EventType, list string, data any) error {
	hooks, err := tx.Webhooks()
	if err != nil || len(hooks) == 0 {
		return err
	}
	now := s.clock.Now()
	body, err := json.Marshal(eventBody{Type: typ, Time: now.UTC().Format(time.RFC3339Nano), List: list, Data: data})
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	queued := false
	for _, h := range hooks {
		if !h.Wants(string(typ)) {
			continue
		}
		if err := tx.QueueWebhook(store.WebhookDelivery{Hook: h.ID, MsgID: newMsgID(), Type: string(typ), Body: body, Created: now, Next: now}); err != nil {
			return fmt.Errorf("queue %s event: %w", typ, err)
		}
		queued = true
	}
	if queued {
		tx.OnCommit(s.kickWebhooks)
	}
	return nil
}

// Emit is emit for the domain's sibling packages (sessions and RSVPs).
func (s *Service) Emit(tx *store.Tx, typ EventType, list string, data any) error {
	return s.emit(tx, typ, list, data)
}

// memberEvent is the data of member events.
func memberEvent(mb store.Membership) map[string]any {
	return map[string]any{"address": mb.Address, "role": mb.Role, "mode": mb.Mode, "status": mb.Status}
}

// heldEvent is the data of post.held.
func heldEvent(h store.Held) map[string]any {
	return map[string]any{"id": h.ID, "from": h.From, "subject": h.Subject, "reason": h.Reason}
}

func newMsgID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "msg_" + base64.RawURLEncoding.EncodeToString(b)
}

// SetWebhookKick wires the webhook worker's wake-up.
func (s *Service) SetWebhookKick(fn func()) {
	s.webhookMu.Lock()
	s.webhookKick = fn
	s.webhookMu.Unlock()
}

func (s *Service) kickWebhooks() {
	s.webhookMu.Lock()
	fn := s.webhookKick
	s.webhookMu.Unlock()
	if fn != nil {
		fn()
	}
}

// AddWebhook registers a webhook after checking its URL (http or https;
// not a loopback or private address unless allowPrivate) and returns it
// with its signing secret.
func (s *Service) AddWebhook(ctx context.Context, rawURL string, events []string, allowPrivate bool, lookup IPLookup) (store.Webhook, error) {
	u, err := checkWebhookURL(rawURL)
	if err != nil {
		return store.Webhook{}, err
	}
	var evs []string
	for _, e := range events {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if _, err := ParseEventType(e); err != nil {
			return store.Webhook{}, err
		}
		evs = append(evs, e)
	}
	if !allowPrivate {
		if lookup == nil {
			lookup = net.DefaultResolver
		}
		ips, err := lookup.LookupNetIP(ctx, "ip", u.Hostname())
		if err != nil {
			return store.Webhook{}, fmt.Errorf("webhook %s: cannot resolve %s: %w", rawURL, u.Hostname(), err)
		}
		for _, ip := range ips {
			if blockedTarget(ip, net.InterfaceAddrs) {
				return store.Webhook{}, fmt.Errorf("webhook %s: %s is a loopback, private or this host's own address (%s); give --allow-private if the receiver really runs on this host or network", rawURL, u.Hostname(), ip)
			}
		}
	}
	w := store.Webhook{URL: u.String(), Events: evs, Secret: store.NewWebhookSecret(), AllowPrivate: allowPrivate, Created: s.clock.Now()}
	err = s.st.Update(func(tx *store.Tx) error {
		var err error
		w, err = tx.AddWebhook(w)
		return err
	})
	return w, err
}

// IPLookup resolves host names (net.Resolver fits).
type IPLookup interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Webhooks returns every webhook.
func (s *Service) Webhooks() ([]store.Webhook, error) {
	var out []store.Webhook
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.Webhooks()
		return err
	})
	return out, err
}

// WebhookBacklog counts the deliveries waiting per webhook.
func (s *Service) WebhookBacklog() (map[uint64]int, error) {
	out := map[uint64]int{}
	err := s.st.View(func(tx *store.Tx) error {
		return tx.EachWebhookDelivery(func(d store.WebhookDelivery) error { out[d.Hook]++; return nil })
	})
	return out, err
}

// RemoveWebhook deletes a webhook and its waiting deliveries.
func (s *Service) RemoveWebhook(id uint64) error {
	err := s.st.Update(func(tx *store.Tx) error { return tx.DeleteWebhook(id) })
	return notFoundText(err, fmt.Sprintf("no webhook with id %d", id))
}

func checkWebhookURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("webhook URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook URL %q: only http and https URLs can receive events", raw)
	}
	if u.Hostname() == "" || u.User != nil {
		return nil, fmt.Errorf("webhook URL %q: give a host name and no user or password", raw)
	}
	u.Fragment = ""
	return u, nil
}

// specialPrefixes are ranges of special use that are not a public host
// elsewhere: IPv4 "this network", shared address space (carrier-grade
// NAT), IETF protocol assignments, benchmarking, documentation and the
// reserved class E; IPv6 IPv4-compatible, NAT64 local use, Teredo (its
// embedded addresses are obfuscated) and documentation. Loopback,
// private, link-local and multicast are netip's own tests.
var specialPrefixes = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"), // with 255.255.255.255
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("2001:db8::/32"),
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// privateIP tells whether ip is loopback, private, link-local or
// otherwise not a public Internet address, looking through the IPv6
// forms that carry an IPv4 address (mapped, NAT64, 6to4) to the address
// they reach.
func privateIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return privateIP(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return privateIP(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range specialPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// blockedTarget tells whether a webhook may not reach ip: a private or
// special address (privateIP), or one of this host's own addresses (a
// public address of the server is the server itself). own lists the
// host's addresses (net.InterfaceAddrs); an error listing them blocks
// nothing more.
func blockedTarget(ip netip.Addr, own func() ([]net.Addr, error)) bool {
	if privateIP(ip) {
		return true
	}
	ip = ip.Unmap()
	addrs, err := own()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		var aip net.IP
		switch a := a.(type) {
		case *net.IPNet:
			aip = a.IP
		case *net.IPAddr:
			aip = a.IP
		}
		if x, ok := netip.AddrFromSlice(aip); ok && x.Unmap() == ip {
			return true
		}
	}
	return false
}

// WebhookRetry is how long deliveries are retried, and the waits between
// attempts (the last repeats until the retry period ends).
const WebhookRetry = 24 * time.Hour

var webhookBackoff = [...]time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour}

// WebhookOptions configure the webhook worker.
type WebhookOptions struct {
	Clock  Clock
	Logger *slog.Logger
	// Client posts the events; nil builds one that refuses private
	// addresses at connect time for webhooks without AllowPrivate.
	Client func(allowPrivate bool) *http.Client
	// Poll is the longest the worker sleeps without a wake-up (real time;
	// the due times follow Clock).
	Poll time.Duration
}

// WebhookWorker posts queued events to their webhooks.
type WebhookWorker struct {
	st    *store.Store
	o     WebhookOptions
	log   *slog.Logger
	wake  chan struct{}
	mu    sync.Mutex
	cache map[bool]*http.Client
}

// NewWebhookWorker builds the worker and wires it to the service's emit.
func NewWebhookWorker(s *Service, o WebhookOptions) *WebhookWorker {
	if o.Clock == nil {
		o.Clock = s.clock
	}
	if o.Logger == nil {
		o.Logger = s.log
	}
	if o.Poll == 0 {
		o.Poll = 30 * time.Second
	}
	w := &WebhookWorker{st: s.st, o: o, log: o.Logger, wake: make(chan struct{}, 1), cache: map[bool]*http.Client{}}
	s.SetWebhookKick(w.Kick)
	return w
}

// Kick wakes the worker.
func (w *WebhookWorker) Kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (w *WebhookWorker) Run(ctx context.Context) error {
	for {
		next, err := w.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Error("webhook deliveries", "err", err)
		}
		wait := w.o.Poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(w.o.Clock.Now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunDue makes one attempt at every due delivery and returns when the
// next one is due (zero when none waits).
func (w *WebhookWorker) RunDue(ctx context.Context) (time.Time, error) {
	now := w.o.Clock.Now()
	var due []store.WebhookDelivery
	var next time.Time
	hooks := map[uint64]store.Webhook{}
	err := w.st.View(func(tx *store.Tx) error {
		hs, err := tx.Webhooks()
		if err != nil {
			return err
		}
		for _, h := range hs {
			hooks[h.ID] = h
		}
		return tx.EachWebhookDelivery(func(d store.WebhookDelivery) error {
			if !d.Next.After(now) {
				if len(due) < 200 {
					due = append(due, d)
				} else if next.IsZero() || now.Before(next) {
					next = now
				}
			} else if next.IsZero() || d.Next.Before(next) {
				next = d.Next
			}
			return nil
		})
	})
	if err != nil {
		return next, fmt.Errorf("read webhook queue: %w", err)
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return next, nil
		}
		h, ok := hooks[d.Hook]
		if !ok {
			continue // removed; its deliveries went with it
		}
		perr := w.post(ctx, h, d)
		if n, err := w.record(h.ID, d, perr); err != nil {
			return next, err
		} else if !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next, nil
}

// record writes the outcome of one attempt and returns when to try again.
func (w *WebhookWorker) record(hookID uint64, d store.WebhookDelivery, perr error) (time.Time, error) {
	now := w.o.Clock.Now()
	var retry time.Time
	err := w.st.Update(func(tx *store.Tx) error {
		h, err := tx.Webhook(hookID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if perr == nil {
			h.LastSuccess = now
			h.Delivered++
			if err := tx.DeleteWebhookDelivery(d.Seq); err != nil {
				return err
			}
			return tx.PutWebhook(h)
		}
		h.LastError = perr.Error()
		h.LastErrorAt = now
		d.Attempts++
		d.LastErr = perr.Error()
		wait := webhookBackoff[min(d.Attempts-1, len(webhookBackoff)-1)]
		if now.Add(wait).Sub(d.Created) > WebhookRetry {
			h.GaveUp++
			h.LastError = fmt.Sprintf("gave up on %s %s after %d attempts in 24 hours: %v", d.Type, d.MsgID, d.Attempts, perr)
			w.log.Warn("webhook delivery given up", "webhook", h.ID, "event", d.Type, "msg_id", d.MsgID, "attempts", d.Attempts, "err", perr)
			if err := tx.DeleteWebhookDelivery(d.Seq); err != nil {
				return err
			}
			return tx.PutWebhook(h)
		}
		d.Next = now.Add(wait)
		retry = d.Next
		if err := tx.PutWebhookDelivery(d); err != nil {
			return err
		}
		return tx.PutWebhook(h)
	})
	return retry, err
}

// post makes one signed attempt.
func (w *WebhookWorker) post(ctx context.Context, h store.Webhook, d store.WebhookDelivery) error {
	ts := w.o.Clock.Now().Unix()
	sig, err := SignWebhook(h.Secret, d.MsgID, ts, d.Body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("webhook URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "minyan-webhooks")
	req.Header.Set("webhook-id", d.MsgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.client(h.AllowPrivate).Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", h.URL, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: the receiver answered %s", h.URL, resp.Status)
	}
	return nil
}

func (w *WebhookWorker) client(allowPrivate bool) *http.Client {
	if w.o.Client != nil {
		return w.o.Client(allowPrivate)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.cache[allowPrivate]; ok {
		return c
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		// Checked on the address actually dialled, so a name that
		// resolves to a private address later is refused too.
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook target %s: %w", address, err)
			}
			if blockedTarget(ap.Addr(), net.InterfaceAddrs) {
				return fmt.Errorf("webhook target %s is a loopback, private or this host's own address (the webhook was added without --allow-private)", ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, Proxy: nil, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second, MaxIdleConnsPerHost: 2}
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w.cache[allowPrivate] = c
	return c
}

// SignWebhook is the webhook-signature header: "v1," then the base64
// HMAC-SHA256, keyed with the secret's bytes (after "whsec_"), of
// "ID.TIMESTAMP.BODY".
func SignWebhook(secret, msgID string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", msgID, ts)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// emitIf is emit when cond holds.
func (s *Service) emitIf(tx *store.Tx, cond bool, typ EventType, list string, data any) error {
	if !cond {
		return nil
	}
	return s.emit(tx, typ, list, data)
}
