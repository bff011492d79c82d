package dmarc

import (
	"container/list"
	"time"
)

// cacheEntry is one remembered answer for _dmarc.<domain>.
type cacheEntry struct {
	domain  string
	rec     record
	found   bool
	err     error
	expires time.Time
}

// policyCache is a bounded map of answers that evicts in insertion order.
// It is not safe for concurrent use; the Checker's mutex guards it.
type policyCache struct {
	max     int
	entries map[string]*list.Element // values are *cacheEntry
	order   *list.List               // oldest at the front
}

func newPolicyCache(max int) *policyCache {
	return &policyCache{max: max, entries: make(map[string]*list.Element), order: list.New()}
}

// get returns the unexpired entry for domain, dropping an expired one.
func (c *policyCache) get(domain string, now time.Time) (cacheEntry, bool) {
	el, ok := c.entries[domain]
	if !ok {
		return cacheEntry{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.entries, domain)
		return cacheEntry{}, false
	}
	return *e, true
}

// put stores e, replacing an older answer for the same domain and
// evicting the oldest entries beyond the bound.
func (c *policyCache) put(e cacheEntry) {
	if el, ok := c.entries[e.domain]; ok {
		c.order.Remove(el)
		delete(c.entries, e.domain)
	}
	for c.order.Len() >= c.max {
		front := c.order.Front()
		c.order.Remove(front)
		delete(c.entries, front.Value.(*cacheEntry).domain)
	}
	c.entries[e.domain] = c.order.PushBack(&e)
}

// len is the number of entries, expired ones included.
func (c *policyCache) len() int { return c.order.Len() }
