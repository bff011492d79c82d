package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minyan/listserv/search"
	"minyan/store"
)

// The held queue as the owner console shows it: each item with a preview
// made safe exactly as the web archive makes a post safe.

// HeldPreview is a held item with what a page may show of its message.
type HeldPreview struct {
	store.Held
	// Body is the text part in blocks (quotes and signature apart),
	// at most previewLines lines; HTML an HTML-only post, sanitised.
	Body          []TextBlock
	HTML          string
	BlockedImages int
	Attachments   []AttachmentView
	// Cut tells that the text was longer than the preview.
	Cut bool
}

// previewLines bounds the text a queue page shows of each post.
const previewLines = 40

// HeldQueue returns the pending held items of one list with previews,
// oldest first. It needs PermSeeHeld.
func (s *Service) HeldQueue(ctx context.Context, a Actor, list string) ([]HeldPreview, error) {
	var out []HeldPreview
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := s.authorize(tx, a, list, PermSeeHeld); err != nil {
			return err
		}
		return tx.EachHeld(true, func(h store.Held) error {
			if h.List == list && h.Status == store.HeldPending {
				out = append(out, previewHeld(h))
			}
			return nil
		})
	})
	return out, err
}

// previewHeld parses a held post once for its preview.
func previewHeld(h store.Held) HeldPreview {
	v := HeldPreview{Held: h}
	v.Raw = nil
	if h.Kind != store.HeldPost || len(h.Raw) == 0 {
		return v
	}
	p := search.Parse(h.Raw)
	if strings.TrimSpace(p.Text) != "" || p.HTML == "" {
		lines := strings.Split(p.Text, "\n")
		if len(lines) > previewLines {
			lines, v.Cut = lines[:previewLines], true
		}
		v.Body = TextBlocks(strings.Join(lines, "\n"))
	} else {
		v.HTML, v.BlockedImages = SanitizeHTML(p.HTML, false)
	}
	for _, at := range p.Attachments {
		v.Attachments = append(v.Attachments, AttachmentView{N: at.N, Name: at.Name, Size: at.Size, ContentType: SafeContentType(at.ContentType)})
	}
	return v
}

// ErrNoHeld answers a held item that does not exist on the list.
var ErrNoHeld = errors.New("there is no such held item on this list (it may have expired)")

// DecisionText is how a page or a reply says who decided an item.
func DecisionText(h store.Held) string {
	by := h.DecidedBy
	if h.Status == store.HeldWithdrawn {
		by = "the author"
	}
	if by == "" {
		by = "nobody in time"
	}
	return fmt.Sprintf("%s by %s on %s", h.Status, by, h.DecidedAt.Format("Mon 2 Jan 2006 15:04 MST"))
}
