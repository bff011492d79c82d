package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"
)

// Buckets of action alerts. An alert's recipients are keyed by the
// alert's ID and their index in its fan-out, so writing 10,000 of them
// appends in key order (cheap pages), and the personal token, which
// carries the same two numbers, finds its record without an index.
var (
	bAlerts     = []byte("alerts")      // id(8) -> Alert
	bAlertRcpts = []byte("alert_rcpts") // id(8) idx(4) -> AlertRcpt
)

// Alert is one action alert: a post by a moderator or owner that asks
// members to act and counts who did, by reply or by button, never by
// tracking opens.
type Alert struct {
	ID   uint64 `json:"id"`
	List string `json:"list"`
	// Seq is the post's archive sequence number (0 when the list keeps
	// no archive entry for it).
	Seq       uint64    `json:"seq,omitempty"`
	MessageID string    `json:"message_id,omitempty"`
	Subject   string    `json:"subject"`
	Author    string    `json:"author"`
	Sent      time.Time `json:"sent"`
	// Recipients is how many members the alert went to; Done how many
	// of them acted.
	Recipients int `json:"recipients"`
	Done       int `json:"done"`
	// FollowupSent is when the one follow-up went (zero: not yet), to
	// FollowupCount members; it is due alert_followup_after after Sent.
	FollowupSent  time.Time `json:"followup_sent,omitzero"`
	FollowupCount int       `json:"followup_count,omitempty"`
}

// AlertRcpt is one member an alert went to: the hashes of the member's
// personal tokens (the alert's, and the follow-up's; the tokens
// themselves are never stored) and, once they acted, when, how and the
// first line they wrote.
type AlertRcpt struct {
	Alert   uint64    `json:"alert"`
	Index   uint32    `json:"idx"`
	Address string    `json:"addr"`
	Hashes  [][]byte  `json:"hashes"`
	Done    time.Time `json:"done,omitzero"`
	Via     string    `json:"via,omitempty"` // reply | web
	Note    string    `json:"note,omitempty"`
}

// NextAlertID reserves the next alert ID. IDs fit 32 bits, as the
// personal tokens carry them in four bytes.
func (t *Tx) NextAlertID() (uint64, error) {
	id, err := t.tx.Bucket(bAlerts).NextSequence()
	if err != nil {
		return 0, fmt.Errorf("alert id: %w", err)
	}
	if id > math.MaxUint32 {
		return 0, fmt.Errorf("alert id %d: out of alert IDs", id)
	}
	return id, nil
}

// AlertSeqs returns the archive sequence numbers of a list's alerts:
// digests leave these posts out, as their readers got them at once.
func (t *Tx) AlertSeqs(list string) (map[uint64]bool, error) {
	alerts, err := t.Alerts(list)
	if err != nil || len(alerts) == 0 {
		return nil, err
	}
	out := make(map[uint64]bool, len(alerts))
	for _, a := range alerts {
		if a.Seq != 0 {
			out[a.Seq] = true
		}
	}
	return out, nil
}

// PutAlert stores or updates an alert.
func (t *Tx) PutAlert(a Alert) error {
	if a.ID == 0 {
		return fmt.Errorf("put alert: no ID")
	}
	return putJSON(t.tx.Bucket(bAlerts), u64(a.ID), a)
}

// Alert reads one alert; a missing one is ErrNotFound.
func (t *Tx) Alert(id uint64) (Alert, error) {
	var a Alert
	if err := getJSON(t.tx.Bucket(bAlerts), u64(id), &a); err != nil {
		return a, fmt.Errorf("alert %d: %w", id, err)
	}
	return a, nil
}

// Alerts returns the alerts of a list ("" for every list), newest first.
func (t *Tx) Alerts(list string) ([]Alert, error) {
	var out []Alert
	b := t.tx.Bucket(bAlerts)
	err := b.ForEach(func(k, v []byte) error {
		var a Alert
		if err := getJSON(b, k, &a); err != nil {
			return err
		}
		if list == "" || a.List == list {
			out = append(out, a)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, err
}

func alertRcptKey(id uint64, idx uint32) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, id)
	binary.BigEndian.PutUint32(k[8:], idx)
	return k
}

// PutAlertRcpt stores or updates one recipient of an alert.
func (t *Tx) PutAlertRcpt(r AlertRcpt) error {
	if r.Alert == 0 {
		return fmt.Errorf("put alert recipient: no alert")
	}
	b := t.tx.Bucket(bAlertRcpts)
	b.FillPercent = 0.9 // written in key order, like the queue
	return putJSON(b, alertRcptKey(r.Alert, r.Index), r)
}

// AlertRcpt reads recipient idx of alert id; a missing one is ErrNotFound.
func (t *Tx) AlertRcpt(id uint64, idx uint32) (AlertRcpt, error) {
	var r AlertRcpt
	if err := getJSON(t.tx.Bucket(bAlertRcpts), alertRcptKey(id, idx), &r); err != nil {
		return r, fmt.Errorf("alert %d recipient %d: %w", id, idx, err)
	}
	return r, nil
}

// EachAlertRcpt calls fn for every recipient of alert id, in fan-out
// order.
func (t *Tx) EachAlertRcpt(id uint64, fn func(AlertRcpt) error) error {
	b := t.tx.Bucket(bAlertRcpts)
	c := b.Cursor()
	prefix := u64(id)
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var r AlertRcpt
		if err := getJSON(b, k, &r); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// deleteListAlerts removes a deleted list's alerts and their recipients,
// so a new list of the same name starts without them.
func (t *Tx) deleteListAlerts(list string) error {
	alerts, err := t.Alerts(list)
	if err != nil {
		return err
	}
	ab, rb := t.tx.Bucket(bAlerts), t.tx.Bucket(bAlertRcpts)
	for _, a := range alerts {
		prefix := u64(a.ID)
		if err := deletePrefix(rb, prefix); err != nil {
			return err
		}
		if err := ab.Delete(prefix); err != nil {
			return err
		}
	}
	return nil
}
