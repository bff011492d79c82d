package store

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// Webhook is a subscriber to events: a URL, the events it wants (none =
// all) and the secret its deliveries are signed with.
type Webhook struct {
	ID           uint64    `json:"id"`
	URL          string    `json:"url"`
	Events       []string  `json:"events,omitempty"`
	Secret       string    `json:"secret"`
	AllowPrivate bool      `json:"allow_private,omitempty"`
	Created      time.Time `json:"created"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
	Delivered    int       `json:"delivered"`
	GaveUp       int       `json:"gave_up"`
}

// Wants tells whether the webhook subscribed to an event type.
func (w Webhook) Wants(typ string) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == typ {
			return true
		}
	}
	return false
}

// WebhookDelivery is one event waiting to reach one webhook. It is
// written in the transaction of the change it reports and removed when
// the receiver accepted it or after the retry period.
type WebhookDelivery struct {
	Seq      uint64          `json:"seq"`
	Hook     uint64          `json:"hook"`
	MsgID    string          `json:"msg_id"`
	Type     string          `json:"type"`
	Body     json.RawMessage `json:"body"`
	Created  time.Time       `json:"created"`
	Next     time.Time       `json:"next"`
	Attempts int             `json:"attempts"`
	LastErr  string          `json:"last_error,omitempty"`
}

// NewWebhookSecret is a signing secret in the form receivers expect:
// "whsec_" then 32 random bytes in base64.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// AddWebhook stores a new webhook and gives it the next id.
func (t *Tx) AddWebhook(w Webhook) (Webhook, error) {
	b := t.tx.Bucket(bWebhooks)
	id, err := b.NextSequence()
	if err != nil {
		return w, err
	}
	w.ID = id
	return w, putJSON(b, u64(id), w)
}

// PutWebhook updates a webhook.
func (t *Tx) PutWebhook(w Webhook) error {
	return putJSON(t.tx.Bucket(bWebhooks), u64(w.ID), w)
}

// Webhook returns one webhook.
func (t *Tx) Webhook(id uint64) (Webhook, error) {
	var w Webhook
	if err := getJSON(t.tx.Bucket(bWebhooks), u64(id), &w); err != nil {
		return w, fmt.Errorf("webhook %d: %w", id, err)
	}
	return w, nil
}

// Webhooks returns every webhook by id.
func (t *Tx) Webhooks() ([]Webhook, error) {
	var out []Webhook
	b := t.tx.Bucket(bWebhooks)
	err := b.ForEach(func(k, _ []byte) error {
		var w Webhook
		if err := getJSON(b, k, &w); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	})
	return out, err
}

// DeleteWebhook removes a webhook and the deliveries still waiting for it.
func (t *Tx) DeleteWebhook(id uint64) error {
	b := t.tx.Bucket(bWebhooks)
	if b.Get(u64(id)) == nil {
		return fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	q := t.tx.Bucket(bWebhookQueue)
	if _, err := deleteWhere(q, func(k, _ []byte) (bool, error) {
		var d WebhookDelivery
		if err := getJSON(q, k, &d); err != nil {
			return false, err
		}
		return d.Hook == id, nil
	}); err != nil {
		return err
	}
	return b.Delete(u64(id))
}

// QueueWebhook adds a delivery and gives it the next sequence number.
func (t *Tx) QueueWebhook(d WebhookDelivery) error {
	q := t.tx.Bucket(bWebhookQueue)
	seq, err := q.NextSequence()
	if err != nil {
		return err
	}
	d.Seq = seq
	return putJSON(q, u64(seq), d)
}

// PutWebhookDelivery updates a waiting delivery (after a failed attempt).
func (t *Tx) PutWebhookDelivery(d WebhookDelivery) error {
	return putJSON(t.tx.Bucket(bWebhookQueue), u64(d.Seq), d)
}

// DeleteWebhookDelivery drops a delivery that is done.
func (t *Tx) DeleteWebhookDelivery(seq uint64) error {
	return t.tx.Bucket(bWebhookQueue).Delete(u64(seq))
}

// EachWebhookDelivery calls fn for waiting deliveries in the order they
// were queued.
func (t *Tx) EachWebhookDelivery(fn func(WebhookDelivery) error) error {
	q := t.tx.Bucket(bWebhookQueue)
	return q.ForEach(func(k, v []byte) error {
		var d WebhookDelivery
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("webhook delivery %d: %w", binary.BigEndian.Uint64(k), err)
		}
		return fn(d)
	})
}
